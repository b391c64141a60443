//! Console sessions: a token is presented once, on the sign-in page; the browser then holds
//! only a random session id (`HttpOnly`, `SameSite=Strict`), and the server keeps what it
//! stands for — the token's name and role, a CSRF token, an expiry — never the token.
//!
//! Sessions live in this process's memory: a restart signs everyone out, and behind several
//! replicas the console needs a sticky load balancer (the API does not).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use subtle::ConstantTimeEq;

use crate::server::Role;
use crate::server::auth::random_hex;

/// The cookie that holds the session id.
pub(super) const COOKIE: &str = "promptctl_session";

/// How long a session lasts without use.
pub(super) const IDLE: Duration = Duration::from_secs(8 * 3600);

/// Sign-in attempts allowed per client address in [`WINDOW`].
const ATTEMPTS: u32 = 10;
const WINDOW: Duration = Duration::from_secs(60);
/// A bound on the addresses remembered, against a flood of spoofed ones.
const MAX_CLIENTS: usize = 10_000;

/// Who is signed in.
#[derive(Clone, Debug)]
pub(super) struct Session {
    /// The token's name: the audit log records `console (NAME)`.
    pub(super) name: String,
    pub(super) role: Role,
    /// Sent back with every POST, in a form field or the `X-CSRF-Token` header.
    pub(super) csrf: String,
    expires: Instant,
}

impl Session {
    /// Everyone's session on a server without auth (`--insecure-no-auth`, loopback only).
    pub(super) fn anonymous() -> Session {
        Session {
            name: "anonymous".to_owned(),
            role: Role::Admin,
            csrf: random_hex().unwrap_or_default(),
            expires: Instant::now() + IDLE,
        }
    }

    /// Whether `presented` is this session's CSRF token (in constant time).
    pub(super) fn csrf_matches(&self, presented: &str) -> bool {
        !self.csrf.is_empty() && bool::from(self.csrf.as_bytes().ct_eq(presented.as_bytes()))
    }
}

/// Every live session, and sign-in attempts per client.
#[derive(Default)]
pub(super) struct Sessions {
    live: Mutex<HashMap<String, Session>>,
    attempts: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl Sessions {
    /// Start a session for a token's `name` and `role`; its id, for the cookie.
    pub(super) fn start(&self, name: &str, role: Role) -> Option<String> {
        let id = random_hex().ok()?;
        let csrf = random_hex().ok()?;
        let mut live = lock(&self.live);
        let now = Instant::now();
        live.retain(|_, s| s.expires > now);
        live.insert(
            id.clone(),
            Session {
                name: name.to_owned(),
                role,
                csrf,
                expires: now + IDLE,
            },
        );
        Some(id)
    }

    /// The session `id` stands for, its expiry pushed back; `None` if unknown or expired.
    pub(super) fn get(&self, id: &str) -> Option<Session> {
        let mut live = lock(&self.live);
        let now = Instant::now();
        let session = live.get_mut(id)?;
        if session.expires <= now {
            live.remove(id);
            return None;
        }
        session.expires = now + IDLE;
        Some(session.clone())
    }

    pub(super) fn end(&self, id: &str) {
        lock(&self.live).remove(id);
    }

    /// Count a sign-in attempt from `client`; `false` when it is over the limit.
    pub(super) fn admit_attempt(&self, client: IpAddr) -> bool {
        let mut attempts = lock(&self.attempts);
        let now = Instant::now();
        if attempts.len() >= MAX_CLIENTS {
            attempts.retain(|_, (since, _)| now.duration_since(*since) < WINDOW);
        }
        let entry = attempts.entry(client).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= ATTEMPTS
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// The session id in a `Cookie` header.
pub(super) fn cookie_value(header: &str) -> Option<&str> {
    header.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == COOKIE).then_some(value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_found_by_its_id_and_ends() {
        let sessions = Sessions::default();
        let id = sessions.start("alice", Role::Admin).unwrap();
        let session = sessions.get(&id).unwrap();
        assert_eq!(
            (session.name.as_str(), session.role),
            ("alice", Role::Admin)
        );
        assert!(session.csrf_matches(&session.csrf.clone()));
        assert!(!session.csrf_matches("forged"));
        assert!(sessions.get("not-an-id").is_none());
        sessions.end(&id);
        assert!(sessions.get(&id).is_none());
    }

    #[test]
    fn sign_in_attempts_are_limited_per_client() {
        let sessions = Sessions::default();
        let client: IpAddr = "127.0.0.1".parse().unwrap();
        for _ in 0..ATTEMPTS {
            assert!(sessions.admit_attempt(client));
        }
        assert!(!sessions.admit_attempt(client));
        assert!(sessions.admit_attempt("127.0.0.2".parse().unwrap()));
    }

    #[test]
    fn reads_the_session_cookie() {
        assert_eq!(
            cookie_value("a=b; promptctl_session=abc123; c=d"),
            Some("abc123")
        );
        assert_eq!(cookie_value("other=1"), None);
    }
}
