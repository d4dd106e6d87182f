//! The browser view from outside a browser: the page `export -o view.html` writes holds
//! everything it needs (no URL to fetch, the scene inline and decodable), and `serve`
//! answers only its own paths, only to loopback hosts, or only with its token. What the
//! page does in a browser is tested in tests/web (chromium through playwright-core).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use base64::Engine as _;
use npyz::WriterBuilder as _;

use crate::common::{self, error_line, netlens};

/// The scene inside a page: its JSON header and its arrays.
fn scene(bytes: &[u8]) -> (serde_json::Value, Vec<u8>) {
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut raw).expect("the scene is gzip");
    assert_eq!(&raw[..4], b"NLV1");
    let length = u32::from_le_bytes(raw[4..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&raw[8..8 + length]).unwrap();
    let base = (8 + length).div_ceil(4) * 4;
    (header, raw[base..].to_vec())
}

fn section<'a>(header: &serde_json::Value, arrays: &'a [u8], name: &str) -> &'a [u8] {
    let s = &header["sections"][name];
    let (offset, bytes) = (s["offset"].as_u64().unwrap() as usize, s["bytes"].as_u64().unwrap() as usize);
    &arrays[offset..offset + bytes]
}

#[test]
fn an_exported_page_holds_its_scene_and_fetches_nothing() {
    let dir = common::scratch("browser-export");
    let model = common::repo_data("gguf/tiny-llama.gguf");
    let out =
        netlens(&["export", model.to_str().unwrap(), "--select", "tokens", "--hops", "2", "-o", "llama.html"], &dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(dir.join("llama.html")).unwrap();
    for remote in ["http://", "https://", "//cdn", "src=\"http"] {
        assert!(!html.contains(remote), "the page refers to {remote}");
    }
    let start = html.find("id=\"netlens-data\" type=\"application/octet-stream\">").unwrap();
    let data = &html[html[start..].find('>').unwrap() + start + 1..];
    let data = &data[..data.find("</script>").unwrap()];
    let (header, arrays) = scene(&base64::engine::general_purpose::STANDARD.decode(data.trim()).unwrap());
    let info = common::info(&model, &dir);
    let (n, e) = (info["nodes"].as_u64().unwrap() as usize, info["edges"].as_u64().unwrap() as usize);
    assert_eq!((header["nodes"].as_u64(), header["edges"].as_u64()), (Some(n as u64), Some(e as u64)));
    assert_eq!(section(&header, &arrays, "positions").len(), 12 * n);
    assert_eq!(section(&header, &arrays, "src").len(), 4 * e);
    assert_eq!(section(&header, &arrays, "group_of").len(), 4 * n);
    // Names, and the operator types the legend counts, most frequent first.
    let names = String::from_utf8(section(&header, &arrays, "column:name").to_vec()).unwrap();
    assert_eq!(names.split('\0').count(), n);
    assert!(names.split('\0').any(|name| name == "tokens"));
    let legend = &header["colorings"][0]["legend"];
    assert_eq!(legend["kind"], "categories");
    let counts: Vec<u64> = legend["entries"].as_array().unwrap().iter().map(|e| e[2].as_u64().unwrap()).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]) && counts.iter().sum::<u64>() == n as u64, "{counts:?}");
    assert_eq!(header["selection"]["hops"], 2);
    assert!(header["groups"].as_array().is_some_and(|g| !g.is_empty()));
}

#[test]
fn the_browser_view_rejects_what_it_cannot_show() {
    let dir = common::scratch("browser-errors");
    let cora = common::repo_data("cora/edges.tsv");
    let cora = cora.to_str().unwrap();
    let line = error_line(&netlens(&["export", cora, "--embedding", "e.npy", "-o", "g.graphml"], &dir));
    assert!(line.contains("--embedding") && line.contains(".html"), "{line}");
    // An embedding with the wrong number of rows names its file.
    let rows = dir.join("short.npy");
    let mut npy = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&[10, 4])
        .writer(std::fs::File::create(&rows).unwrap())
        .begin_nd()
        .unwrap();
    npy.extend(vec![0.5f32; 40]).unwrap();
    npy.finish().unwrap();
    let line = error_line(&netlens(&["export", cora, "--embedding", "short.npy", "-o", "g.html"], &dir));
    assert!(line.contains("short.npy"), "{line}");
    assert!(!dir.join("g.html").exists(), "nothing written after an error");
}

/// `netlens serve` on a free port; the URL it prints.
fn serve(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_netlens"))
        .arg("serve")
        .args(args)
        .args(["--port", "0"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("netlens runs");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("serve prints its URL").unwrap();
        if let Some(at) = line.find("at http://") {
            break line[at + 3..].split_whitespace().next().unwrap().to_owned();
        }
    };
    // Keep reading: a closed pipe would fail the server's next line.
    std::thread::spawn(move || lines.for_each(drop));
    (child, url)
}

/// The status and body of a raw HTTP/1.0 request (no chunked body): `target` goes out
/// exactly as written.
fn get(address: &str, target: &str, host: &str) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(stream, "GET {target} HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let status = std::str::from_utf8(&response[9..12]).unwrap().parse().unwrap();
    let body = response.windows(4).position(|w| w == b"\r\n\r\n").map_or(Vec::new(), |at| response[at + 4..].to_vec());
    (status, body)
}

#[test]
fn serve_answers_its_own_paths_on_loopback_and_nothing_else() {
    let cora = common::repo_data("cora/edges.tsv");
    let (mut child, url) = serve(&[cora.to_str().unwrap()]);
    let address = url.trim_start_matches("http://").trim_end_matches('/').to_owned();
    assert!(address.starts_with("127.0.0.1:"), "{url}");
    let (status, page) = get(&address, "/", "localhost");
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&page).contains("data-src=\"scene.bin\""));
    let (status, bytes) = get(&address, "/scene.bin", &address);
    assert_eq!(status, 200);
    let (header, _) = scene(&bytes);
    assert_eq!(header["nodes"], 2708);
    for target in [
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/scene.bin/../../../etc/passwd",
        "//etc/passwd",
        "/Cargo.toml",
    ] {
        let (status, body) = get(&address, target, "localhost");
        assert_eq!(status, 404, "{target}");
        assert!(!String::from_utf8_lossy(&body).contains("root:"), "{target}");
    }
    // A page elsewhere reaching 127.0.0.1 under its own name (DNS rebinding).
    assert_eq!(get(&address, "/scene.bin", "evil.example").0, 403);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn serve_on_another_address_needs_its_token() {
    let cora = common::repo_data("cora/edges.tsv");
    let (mut child, url) = serve(&[cora.to_str().unwrap(), "--host", "0.0.0.0"]);
    let (address, token) = url.trim_start_matches("http://").split_once("/?token=").expect("a token in the URL");
    assert_eq!(token.len(), 32, "{url}");
    let local = address.replace("0.0.0.0", "127.0.0.1");
    assert_eq!(get(&local, "/", "example.org").0, 403);
    assert_eq!(get(&local, "/scene.bin?token=0123", "example.org").0, 403);
    assert_eq!(get(&local, &format!("/?token={token}"), "example.org").0, 200);
    assert_eq!(get(&local, &format!("/scene.bin?token={token}"), "example.org").0, 200);
    assert_eq!(get(&local, &format!("/../etc/passwd?token={token}"), "example.org").0, 404);
    child.kill().unwrap();
    child.wait().unwrap();
}
