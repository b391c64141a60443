//! A stand-in for the network between a client and `promptctl serve`: it forwards each
//! request to the server, and can lose the server's answer (the request was applied, the
//! client never hears so) or fail a request without forwarding it, as a test tells it.
//! It speaks just enough HTTP/1.1 for our client: one request per connection, bodies by
//! Content-Length.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy does with one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Forward it and pass the answer back.
    Pass,
    /// Forward it (the server acts on it), then answer this status instead of the server's.
    LoseAnswer(u16),
    /// Answer this status without forwarding it.
    Fail(u16),
}

/// Decides the fault for a request: method, path, and how many requests came before it.
pub type Rule = dyn Fn(&str, &str, usize) -> Fault + Send + Sync;

/// Start a proxy in front of `server` (`host:port`); returns its base URL.
pub async fn start(server: String, rule: Box<Rule>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let rule: Arc<Rule> = Arc::from(rule);
    let seen = Arc::new(Mutex::new(0usize));
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let (rule, seen, server) = (Arc::clone(&rule), Arc::clone(&seen), server.clone());
            tokio::spawn(async move {
                if let Err(error) = relay(client, &server, &*rule, &seen).await {
                    eprintln!("proxy: {error}");
                }
            });
        }
    });
    url
}

async fn relay(
    mut client: TcpStream,
    server: &str,
    rule: &Rule,
    seen: &Mutex<usize>,
) -> std::io::Result<()> {
    let request = read_request(&mut client).await?;
    let head = String::from_utf8_lossy(&request);
    let mut words = head.split_whitespace();
    let (method, path) = (
        words.next().unwrap_or_default().to_owned(),
        words.next().unwrap_or_default().to_owned(),
    );
    let nth = {
        let mut seen = seen.lock().unwrap();
        *seen += 1;
        *seen - 1
    };
    let fault = rule(&method, &path, nth);
    let answer = match fault {
        Fault::Fail(status) => status_only(status),
        Fault::Pass | Fault::LoseAnswer(_) => {
            let mut upstream = TcpStream::connect(server).await?;
            upstream.write_all(&close_after(&request)).await?;
            let mut answer = Vec::new();
            upstream.read_to_end(&mut answer).await?;
            match fault {
                Fault::LoseAnswer(status) => status_only(status),
                _ => answer,
            }
        }
    };
    client.write_all(&answer).await?;
    client.shutdown().await
}

/// The request head and its Content-Length body.
async fn read_request(client: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut request = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        let read = client.read(&mut buffer).await?;
        if read == 0 {
            return Ok(request);
        }
        request.extend_from_slice(&buffer[..read]);
        if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if request.len() >= end + 4 + length {
                return Ok(request);
            }
        }
    }
}

/// The request with `Connection: close`, so the server's answer ends at EOF.
fn close_after(request: &[u8]) -> Vec<u8> {
    let end = request
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(request.len());
    let head = String::from_utf8_lossy(&request[..end]);
    let mut out: Vec<u8> = head
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect::<Vec<_>>()
        .join("\r\n")
        .into_bytes();
    out.extend_from_slice(b"\r\nConnection: close");
    out.extend_from_slice(&request[end..]);
    out
}

fn status_only(status: u16) -> Vec<u8> {
    format!("HTTP/1.1 {status} Stand-in\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        .into_bytes()
}
