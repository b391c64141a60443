//! `token new --format json`, version 1: `{"token": …, "line": …}`, one line. Frozen (golden
//! test: the keys and the line's shape).

use serde::Serialize;

#[derive(Serialize)]
struct TokenJsonV1<'a> {
    /// The bearer token, shown once.
    token: &'a str,
    /// The tokens-file line for `serve --tokens` (role, name, SHA-256 of the token).
    line: &'a str,
}

/// The new token and its tokens-file line, as one line of JSON.
pub fn render(token: &str, line: &str) -> String {
    serde_json::to_string(&TokenJsonV1 { token, line }).unwrap_or_default()
}
