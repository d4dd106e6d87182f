//! Tier 3: a real window under Xvfb. Opens `netlens view`, waits for frames, takes a
//! screenshot of the X screen, resizes the window, and quits with Esc.
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
    let status = Command::new("import").args(["-display", &display, "-window", "root"]).arg(&shot).status().unwrap();
    assert!(status.success(), "screenshot");
    let screen = image::open(&shot).unwrap().to_rgb8();
    let background = BACKGROUND.map(|c| (c * 255.0).round() as u8);
    let near = |p: &image::Rgb<u8>, c: [u8; 3]| p.0.iter().zip(&c).all(|(&a, &b)| (a as i32 - b as i32).abs() <= 3);
    let total = (screen.width() * screen.height()) as usize;
    let bg = screen.pixels().filter(|p| near(p, background)).count();
    let black = screen.pixels().filter(|p| near(p, [0, 0, 0])).count();
    let drawn = total - bg - black;
    println!("screen: {bg} background pixels, {black} black (outside the window), {drawn} drawn");
    assert!(bg > 800 * 600 / 3, "the window's background is on screen");
    assert!(drawn > 2000, "the graph is drawn ({drawn} pixels)");

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
