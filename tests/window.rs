//! Tier 3: a real window under Xvfb. Opens `netlens view`, waits for frames, takes a
//! screenshot of the X screen, clicks a node and sees its neighbourhood highlighted,
//! clears the selection, saves a keyframe that `netlens record` plays, resizes the window,
//! and quits with Esc.
//!
//! Needs Xvfb, ImageMagick's `import` and xdotool (`.ci/run` installs them). Where they
//! are missing the test says so and passes, except under CI (`CI` set), where it fails.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use netlens::render::palette::BACKGROUND;

const TOOLS: [&str; 3] = ["Xvfb", "import", "xdotool"];

/// Moves the pointer to the screen's corner, outside the 800x600 window.
const OUTSIDE: [&str; 4] = ["mousemove", "--sync", "1000", "750"];

fn have(tool: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {tool}")]).output().is_ok_and(|o| o.status.success())
}

/// Kills the child when dropped, so a failing test leaves no Xvfb or window behind.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_xvfb() -> (Guard, String) {
    let mut xvfb = Command::new("Xvfb")
        .args(["-displayfd", "1", "-screen", "0", "1024x768x24", "-nolisten", "tcp"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb starts");
    let mut line = String::new();
    BufReader::new(xvfb.stdout.take().unwrap()).read_line(&mut line).expect("Xvfb prints its display");
    (Guard(xvfb), format!(":{}", line.trim()))
}

fn xdotool(display: &str, args: &[&str]) {
    let status = Command::new("xdotool").args(args).env("DISPLAY", display).status().expect("xdotool runs");
    assert!(status.success(), "xdotool {args:?}");
}

fn screenshot(display: &str, path: &std::path::Path) -> image::RgbImage {
    let status = Command::new("import").args(["-display", display, "-window", "root"]).arg(path).status().unwrap();
    assert!(status.success(), "screenshot");
    image::open(path).unwrap().to_rgb8()
}

/// Near-white pixels in the graph's area (right of the panel): the selection's rings.
fn white_pixels(screen: &image::RgbImage) -> usize {
    screen.enumerate_pixels().filter(|(x, _, p)| *x > 290 && p.0.iter().all(|&c| c > 235)).count()
}

/// Waits until the window reports frame `n` (or fails after a minute).
fn wait_for_frame(frames: &mpsc::Receiver<u32>, n: u32) {
    loop {
        match frames.recv_timeout(Duration::from_secs(60)) {
            Ok(frame) if frame >= n => return,
            Ok(_) => {}
            Err(e) => panic!("no frame {n} from the window: {e}"),
        }
    }
}

#[test]
fn window_shows_the_graph_resizes_and_quits_on_escape() {
    let missing: Vec<&str> = TOOLS.into_iter().filter(|t| !have(t)).collect();
    if !missing.is_empty() {
        assert!(std::env::var_os("CI").is_none(), "CI must install {missing:?}");
        eprintln!("SKIPPED: the window test needs {missing:?} (see .ci/run)");
        return;
    }
    let scratch = common::scratch("window");
    let (_xvfb, display) = start_xvfb();
    let mut view = Command::new(env!("CARGO_BIN_EXE_netlens"))
        .args(["view", "--size", "800x600", "--iterations", "2000", "--report-frames"])
        .env("DISPLAY", &display)
        .env("XDG_RUNTIME_DIR", &scratch)
        .current_dir(&scratch)
        .env_remove("WAYLAND_DISPLAY")
        .stderr(Stdio::piped())
        .spawn()
        .expect("netlens view starts");
    let stderr = view.stderr.take().unwrap();
    let mut view = Guard(view);
    let (tx, frames) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(n) = line.strip_prefix("presented frame ").and_then(|n| n.parse().ok()) {
                if tx.send(n).is_err() {
                    break;
                }
            } else {
                eprintln!("netlens view: {line}");
            }
        }
    });
    wait_for_frame(&frames, 10);

    let shot = scratch.join("screen.png");
    let screen = screenshot(&display, &shot);
    let background = BACKGROUND.map(|c| (c * 255.0).round() as u8);
    let near = |p: &image::Rgb<u8>, c: [u8; 3]| p.0.iter().zip(&c).all(|(&a, &b)| (a as i32 - b as i32).abs() <= 3);
    let total = (screen.width() * screen.height()) as usize;
    let bg = screen.pixels().filter(|p| near(p, background)).count();
    let black = screen.pixels().filter(|p| near(p, [0, 0, 0])).count();
    let drawn = total - bg - black;
    println!("screen: {bg} background pixels, {black} black (outside the window), {drawn} drawn");
    assert!(bg > 800 * 600 / 3, "the window's background is on screen");
    assert!(drawn > 2000, "the graph is drawn ({drawn} pixels)");

    // Pause the layout so nodes stay where the screenshot saw them, then click one: a
    // pixel whose 3x3 block has exactly one class colour is the inside of a node.
    // The pointer waits outside the window, so no hover tooltip covers what is checked.
    xdotool(&display, &["search", "--sync", "--name", "netlens", "windowfocus", "--sync", "%1", "key", "space"]);
    xdotool(&display, &OUTSIDE);
    std::thread::sleep(Duration::from_millis(1500));
    let screen = screenshot(&display, &shot);
    assert_eq!(white_pixels(&screen), 0, "nothing is selected yet");
    let class_colors: Vec<[u8; 3]> = (0..7).map(netlens::render::palette::class_color).collect();
    let node = (300..screen.height() - 1)
        .flat_map(|y| (300..screen.width().min(790)).map(move |x| (x, y)))
        .find(|&(x, y)| {
            let c = screen.get_pixel(x, y).0;
            class_colors.contains(&c)
                && (-1..=1).all(|dy: i32| {
                    (-1..=1).all(|dx: i32| screen.get_pixel((x as i32 + dx) as u32, (y as i32 + dy) as u32).0 == c)
                })
        })
        .expect("a node inside the view");
    let before = frames.try_iter().last().unwrap_or(10);
    let (x, y) = (node.0.to_string(), node.1.to_string());
    xdotool(&display, &["mousemove", "--sync", &x, &y, "click", "1"]);
    xdotool(&display, &OUTSIDE);
    wait_for_frame(&frames, before + 1);
    std::thread::sleep(Duration::from_millis(800));
    let selected = screenshot(&display, &shot);
    let ring = white_pixels(&selected);
    println!("clicked the node at {node:?}: {ring} white ring pixels");
    assert!(ring > 0, "the clicked node shows its white ring");
    let before = frames.try_iter().last().unwrap_or(before);
    xdotool(&display, &["key", "BackSpace"]);
    wait_for_frame(&frames, before + 1);
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(white_pixels(&screenshot(&display, &shot)), 0, "Backspace clears the selection");

    // K writes the camera as a keyframe into a tour file that `netlens record` plays.
    xdotool(&display, &["key", "k"]);
    let tour = scratch.join("netlens-tour.toml");
    for _ in 0..100 {
        if tour.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let text = std::fs::read_to_string(&tour).expect("K writes netlens-tour.toml");
    assert!(text.contains("[[key]]") && text.contains("target = ["), "{text}");
    let record = Command::new(env!("CARGO_BIN_EXE_netlens"))
        .args(["record", "--tour", "netlens-tour.toml", "-o", "k.gif", "--size", "64x64", "--duration", "0.2"])
        .current_dir(&scratch)
        .output()
        .unwrap();
    assert!(record.status.success(), "{}", String::from_utf8_lossy(&record.stderr));
    xdotool(&display, &["key", "space"]); // the layout runs on, so frames keep coming

    xdotool(&display, &["search", "--sync", "--name", "netlens", "windowsize", "%1", "640", "480"]);
    let after_resize = frames.try_iter().last().unwrap_or(10);
    wait_for_frame(&frames, after_resize + 5);

    xdotool(&display, &["search", "--sync", "--name", "netlens", "windowfocus", "--sync", "%1", "key", "Escape"]);
    for _ in 0..200 {
        if let Some(status) = view.0.try_wait().unwrap() {
            assert!(status.success(), "view exits cleanly on Esc: {status}");
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the window did not close on Esc within 20 s");
}
