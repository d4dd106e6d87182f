//! `netlens serve`: the browser view over HTTP, for a remote machine reached through an
//! SSH tunnel and for graphs too large for one file. It answers fixed paths and nothing
//! else: `/` (the page), `/scene.bin` (the scene, binary and gzip-compressed, built once
//! before it listens) and an empty `/favicon.ico`; no part of a URL ever reaches the file system.
//!
//! It binds to 127.0.0.1 unless told otherwise, and then refuses requests whose `Host` is
//! not a loopback name (a web page elsewhere cannot reach it by DNS rebinding). Bound to
//! any other address it makes a random token, prints it in the URL, and refuses every
//! request that does not carry it, as Jupyter does.

use std::net::IpAddr;

use anyhow::{Context, Result, anyhow};

use crate::export::html::{self, SceneData};

use super::export::DrawnArgs;

/// The scene's path, relative to the page.
const SCENE_PATH: &str = "scene.bin";

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    drawn: DrawnArgs,
    /// Port to listen on (0: any free port, printed)
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// Address to listen on; any other than a loopback address (127.0.0.1, ::1) needs the
    /// token netlens prints, in the URL
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Answer this many requests, then exit (for scripts and tests)
    #[arg(long, hide = true)]
    requests: Option<u64>,
}

pub fn run(args: Args) -> Result<()> {
    let drawn = args.drawn.draw(None)?;
    let page = drawn.page();
    let scene = html::scene(&page).context("cannot build the scene")?;
    let body = html::page(&page.title, SceneData::Url(SCENE_PATH));
    let token = match args.host.is_loopback() {
        true => None,
        false => Some(new_token()?),
    };
    let server = tiny_http::Server::http((args.host, args.port))
        .map_err(|e| anyhow!("cannot listen on {}:{}: {e}", args.host, args.port))?;
    let address = server.server_addr().to_ip().context("the server has no IP address")?;
    let query = token.as_ref().map(|t| format!("?token={t}")).unwrap_or_default();
    eprintln!(
        "serving {} ({} nodes, {} edges; the scene is {:.1} MB) at http://{address}/{query}",
        page.title,
        page.graph.node_count(),
        page.graph.edge_count(),
        scene.len() as f64 / 1e6
    );
    match token {
        None => eprintln!(
            "from another machine: ssh -L {port}:127.0.0.1:{port} THIS_HOST, then open http://127.0.0.1:{port}/ there. Ctrl-C stops",
            port = address.port()
        ),
        Some(_) => eprintln!("every request needs the token above; Ctrl-C stops"),
    }
    for (answered, request) in (1..).zip(server.incoming_requests()) {
        let (status, kind, bytes): (u16, &str, &[u8]) = answer(&request, token.as_deref(), &body, &scene);
        let response = tiny_http::Response::from_data(bytes)
            .with_status_code(status)
            .with_header(header("Content-Type", kind))
            .with_header(header("Cache-Control", "no-store"))
            .with_header(header("X-Content-Type-Options", "nosniff"));
        // A client that went away is its own business.
        let _ = request.respond(response);
        if args.requests.is_some_and(|limit| answered >= limit) {
            break;
        }
    }
    Ok(())
}

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("a valid header")
}

/// The status, content type and body for `request`.
fn answer<'a>(
    request: &tiny_http::Request,
    token: Option<&str>,
    page: &'a str,
    scene: &'a [u8],
) -> (u16, &'static str, &'a [u8]) {
    const TEXT: &str = "text/plain; charset=utf-8";
    if !matches!(request.method(), tiny_http::Method::Get | tiny_http::Method::Head) {
        return (405, TEXT, b"netlens serves GET requests only\n");
    }
    let (path, query) = request.url().split_once('?').unwrap_or((request.url(), ""));
    match token {
        Some(token) => {
            let given = query.split('&').find_map(|pair| pair.strip_prefix("token=")).unwrap_or("");
            if !same(given.as_bytes(), token.as_bytes()) {
                return (403, TEXT, b"netlens: this server needs its token: open the URL it printed\n");
            }
        }
        None => {
            let host = request.headers().iter().find(|h| h.field.equiv("Host")).map(|h| h.value.as_str());
            if !host.is_some_and(loopback_host) {
                return (403, TEXT, b"netlens: only pages on this machine (localhost) may ask\n");
            }
        }
    }
    match path {
        "/" | "/index.html" => (200, "text/html; charset=utf-8", page.as_bytes()),
        p if p.strip_prefix('/') == Some(SCENE_PATH) => (200, "application/octet-stream", scene),
        // Browsers ask for it unbidden; no icon, and no error in their console.
        "/favicon.ico" => (204, TEXT, b""),
        _ => (404, TEXT, b"netlens: no such page; this server has / and /scene.bin\n"),
    }
}

/// Whether a `Host` header names this machine: localhost, 127.x.x.x or [::1], with a port.
fn loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Compares in time independent of where the bytes differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// 128 random bits from the operating system, as hex.
fn new_token() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow!("no random numbers for the token: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_names_pass_as_hosts() {
        for host in ["localhost:8000", "127.0.0.1:8000", "127.1.2.3", "[::1]:8000", "LOCALHOST"] {
            assert!(loopback_host(host), "{host}");
        }
        for host in ["evil.example:8000", "10.0.0.1:8000", "[::2]:80", "localhost.evil.example", ""] {
            assert!(!loopback_host(host), "{host}");
        }
        assert!(same(b"abc", b"abc") && !same(b"abc", b"abd") && !same(b"abc", b"ab"));
        let token = new_token().unwrap();
        assert_eq!(token.len(), 32);
        assert_ne!(token, new_token().unwrap());
    }
}
