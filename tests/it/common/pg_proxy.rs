//! A stand-in for the network between promptctl and PostgreSQL: a TCP relay that reads the
//! client's side as PostgreSQL's wire protocol (plain text: promptctl does not negotiate TLS
//! to a loopback server) so a test can act at a statement — hold it there, or cut the
//! connection right after a `COMMIT` is sent — and can drop every connection and refuse new
//! ones for a while, which is what a server restart looks like from the client.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// What the relay does at a statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    /// Forward everything.
    Pass,
    /// Hold the `n`th statement (1-based, counted over every connection) unsent, forever;
    /// [`PgProxy::held`] is notified.
    HoldAt(usize),
    /// Forward the `COMMIT` of a transaction that wrote, then cut the connection before any
    /// answer comes back.
    CutAfterCommit,
}

pub struct PgProxy {
    pub port: u16,
    state: Arc<State>,
}

struct State {
    upstream: String,
    act: Mutex<Act>,
    /// Statements seen: simple queries and extended-protocol syncs.
    statements: AtomicUsize,
    /// Signalled when a statement is held.
    pub held: Notify,
    /// While set, connections are dropped and new ones refused.
    down: AtomicBool,
    /// Bumped to drop the connections open now.
    generation: AtomicUsize,
    cuts: AtomicUsize,
}

impl PgProxy {
    /// A relay to the server of `database_url` (`postgres://user@host:port/db`).
    pub async fn start(database_url: &str, act: Act) -> PgProxy {
        let rest = database_url.split_once("://").unwrap().1;
        let authority = rest.split('/').next().unwrap();
        let upstream = authority.rsplit('@').next().unwrap().to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(State {
            upstream,
            act: Mutex::new(act),
            statements: AtomicUsize::new(0),
            held: Notify::new(),
            down: AtomicBool::new(false),
            generation: AtomicUsize::new(0),
            cuts: AtomicUsize::new(0),
        });
        let accepting = Arc::clone(&state);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if accepting.down.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let state = Arc::clone(&accepting);
                tokio::spawn(async move {
                    let _ = relay(client, &state).await;
                });
            }
        });
        PgProxy { port, state }
    }

    /// `database_url` with its host and port replaced by this relay's.
    pub fn url(&self, database_url: &str) -> String {
        database_url.replacen(&self.state.upstream, &format!("127.0.0.1:{}", self.port), 1)
    }

    /// Statements the relay has seen.
    pub fn statements(&self) -> usize {
        self.state.statements.load(Ordering::SeqCst)
    }

    /// Connections cut after a `COMMIT`.
    pub fn cuts(&self) -> usize {
        self.state.cuts.load(Ordering::SeqCst)
    }

    /// Wait until a statement is held.
    pub async fn held(&self) {
        self.state.held.notified().await;
    }

    /// Drop every connection and refuse new ones (`true`), or accept again (`false`).
    pub fn set_down(&self, down: bool) {
        self.state.down.store(down, Ordering::SeqCst);
        if down {
            self.state.generation.fetch_add(1, Ordering::SeqCst);
        }
    }
}

async fn relay(client: TcpStream, state: &State) -> std::io::Result<()> {
    let server = TcpStream::connect(&state.upstream).await?;
    let generation = state.generation.load(Ordering::SeqCst);
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    // Set before a COMMIT to be cut is sent: from then on no answer reaches the client.
    let cutting = AtomicBool::new(false);
    let answers = async {
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let read = server_read.read(&mut buffer).await?;
            if read == 0 || cutting.load(Ordering::SeqCst) {
                return Ok::<(), std::io::Error>(());
            }
            client_write.write_all(&buffer[..read]).await?;
        }
    };
    let requests = async {
        let mut pending = Vec::new();
        let mut started = false;
        // Whether the transaction under way has written.
        let mut writing = false;
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let read = client_read.read(&mut buffer).await?;
            if read == 0 {
                return Ok::<(), std::io::Error>(());
            }
            pending.extend_from_slice(&buffer[..read]);
            // Forward whole messages, one at a time, deciding at each.
            while let Some((length, kind)) = next_message(&pending, started) {
                let message: Vec<u8> = pending.drain(..length).collect();
                // The start-up message (protocol 3.0) ends the untyped ones.
                started |= kind.is_none() && message.get(4..8) == Some(&[0, 3, 0, 0][..]);
                let is_statement = matches!(kind, Some(b'Q' | b'S'));
                if is_statement {
                    let n = state.statements.fetch_add(1, Ordering::SeqCst) + 1;
                    if *state.act.lock().unwrap() == Act::HoldAt(n) {
                        state.held.notify_one();
                        std::future::pending::<()>().await;
                    }
                }
                let text = if matches!(kind, Some(b'Q' | b'P')) {
                    String::from_utf8_lossy(&message[5..]).to_ascii_uppercase()
                } else {
                    String::new()
                };
                if text.starts_with("BEGIN") {
                    writing = false;
                }
                writing |= ["INSERT ", "UPDATE ", "DELETE "]
                    .iter()
                    .any(|verb| text.contains(verb));
                let commit = kind == Some(b'Q') && text.trim_end_matches('\0') == "COMMIT";
                // Only a write's COMMIT is cut: a read's would fail the read, not the write.
                let cut = commit && writing && *state.act.lock().unwrap() == Act::CutAfterCommit;
                if commit {
                    writing = false;
                }
                if cut {
                    cutting.store(true, Ordering::SeqCst);
                }
                server_write.write_all(&message).await?;
                if cut {
                    state.cuts.fetch_add(1, Ordering::SeqCst);
                    // Let the COMMIT reach the server before the connection goes.
                    server_write.flush().await?;
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    return Err(std::io::Error::other("cut after COMMIT"));
                }
            }
        }
    };
    let dropped = async {
        while state.generation.load(Ordering::SeqCst) == generation {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    tokio::select! {
        _ = answers => {}
        _ = requests => {}
        () = dropped => {}
    }
    Ok(())
}

/// The length and type of the first whole message in `bytes`: before `started`, messages (an
/// SSL or GSS request, the start-up message) have no type byte.
fn next_message(bytes: &[u8], started: bool) -> Option<(usize, Option<u8>)> {
    if !started {
        let length = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
        return (bytes.len() >= length).then_some((length, None));
    }
    let kind = *bytes.first()?;
    let length = u32::from_be_bytes(bytes.get(1..5)?.try_into().ok()?) as usize + 1;
    (bytes.len() >= length).then_some((length, Some(kind)))
}
