//! Request logs that cost a request almost nothing: each line is formatted into its own
//! buffer, appended to a shared one under a short lock, and a background thread writes the
//! lines out in batches, every 50 ms or each 64 KiB. Under load that is one write to stderr
//! per batch, not per request, and no request ever waits on a slow or blocked stderr. Lines
//! reach stderr up to 50 ms late; a graceful stop writes out what waits.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// Lines waiting beyond this many bytes (stderr not drained) are dropped, and counted.
const MAX_PENDING: usize = 8 * 1024 * 1024;
/// The writer writes at least every BATCH_WAIT, or as soon as this many bytes wait.
const BATCH_BYTES: usize = 64 * 1024;
const BATCH_WAIT: Duration = Duration::from_millis(50);

/// The sink `serve` logs to, for request lines written without tracing's formatter.
static INSTALLED: std::sync::OnceLock<LogSink> = std::sync::OnceLock::new();

/// Where `serve`'s log lines go (a tracing `MakeWriter`).
#[derive(Clone)]
pub struct LogSink {
    shared: Arc<Shared>,
}

struct Shared {
    pending: Mutex<Pending>,
    ready: Condvar,
}

#[derive(Default)]
struct Pending {
    bytes: Vec<u8>,
    dropped: u64,
}

impl LogSink {
    /// A sink, and the thread that writes its lines to stderr.
    pub fn to_stderr() -> LogSink {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending::default()),
            ready: Condvar::new(),
        });
        let writer = Arc::clone(&shared);
        let _ = std::thread::Builder::new()
            .name("promptctl-log".to_owned())
            .spawn(move || {
                loop {
                    let batch = writer.take(Some(BATCH_WAIT));
                    if !batch.is_empty() {
                        let _ = std::io::stderr().lock().write_all(&batch);
                    }
                }
            });
        LogSink { shared }
    }

    /// Make this the sink request lines go to (the first call wins).
    pub fn install(&self) {
        let _ = INSTALLED.set(self.clone());
    }

    /// Write out what is waiting (at shutdown).
    pub fn flush(&self) {
        let batch = self.shared.take(None);
        let _ = std::io::stderr().lock().write_all(&batch);
    }
}

/// Log one request, formatted as tracing's own lines are, straight into the installed sink:
/// the request path's one log line, without the formatter's per-event machinery. `false`
/// when no sink is installed (the caller logs through tracing then).
pub(super) fn request(method: &str, path: &str, status: u16, ms: f64, caller: &str) -> bool {
    let Some(sink) = INSTALLED.get() else {
        return false;
    };
    let line = format!(
        "{}  INFO promptctl::server: request method={method} path={path} status={status} ms={ms} caller={caller}\n",
        crate::time::rfc3339_now()
    );
    sink.shared.push(line.as_bytes());
    true
}

impl Shared {
    /// The waiting lines, with a note of any dropped; with `wait`, first waits that long for
    /// a batch to gather, unless a full one waits already.
    fn take(&self, wait: Option<Duration>) -> Vec<u8> {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(wait) = wait
            && pending.bytes.len() < BATCH_BYTES
        {
            pending = self
                .ready
                .wait_timeout(pending, wait)
                .map_or_else(|p| p.into_inner().0, |(guard, _)| guard);
        }
        let mut batch = std::mem::take(&mut pending.bytes);
        if pending.dropped > 0 {
            batch.extend_from_slice(
                format!(
                    "promptctl serve: {} log lines dropped (stderr was not keeping up)\n",
                    pending.dropped
                )
                .as_bytes(),
            );
            pending.dropped = 0;
        }
        batch
    }

    fn push(&self, line: &[u8]) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        if pending.bytes.len() + line.len() > MAX_PENDING {
            pending.dropped += 1;
            return;
        }
        let before = pending.bytes.len();
        pending.bytes.extend_from_slice(line);
        drop(pending);
        // The writer wakes on its own every BATCH_WAIT; it is woken early only when a batch
        // is worth a write. Waking it for every line cost a wake-up and a write per request.
        if before < BATCH_BYTES && before + line.len() >= BATCH_BYTES {
            self.ready.notify_one();
        }
    }
}

/// One event's text, handed over whole when the formatter is done with it.
pub struct Line {
    shared: Arc<Shared>,
    text: Vec<u8>,
}

impl Write for Line {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.text.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        if !self.text.is_empty() {
            self.shared.push(&self.text);
        }
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogSink {
    type Writer = Line;

    fn make_writer(&'a self) -> Line {
        Line {
            shared: Arc::clone(&self.shared),
            text: Vec::with_capacity(192),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_arrive_whole_and_in_order_and_overflow_is_counted() {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending::default()),
            ready: Condvar::new(),
        });
        let sink = LogSink {
            shared: Arc::clone(&shared),
        };
        for i in 0..3 {
            let mut line = tracing_subscriber::fmt::MakeWriter::make_writer(&sink);
            write!(line, "line ").unwrap();
            writeln!(line, "{i}").unwrap();
        }
        assert_eq!(shared.take(None), b"line 0\nline 1\nline 2\n");
        shared.push(&vec![b'x'; MAX_PENDING]);
        shared.push(b"one too many\n");
        let batch = shared.take(None);
        assert_eq!(
            batch.len(),
            MAX_PENDING
                + "promptctl serve: 1 log lines dropped (stderr was not keeping up)\n".len()
        );
        assert!(batch.ends_with(b"1 log lines dropped (stderr was not keeping up)\n"));
    }
}
