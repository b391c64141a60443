//! The Host check of a server without auth.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ApiError;

/// Without auth (`--insecure-no-auth`, loopback only) a request must name this machine as its
/// host: a web page whose own name was made to resolve to 127.0.0.1 (DNS rebinding) sends its
/// own name, and is turned away before it reaches the console or the API.
pub(super) async fn loopback_only(request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(axum::http::header::HOST)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .or_else(|| request.uri().authority().map(ToString::to_string));
    match host {
        Some(host) if !names_loopback(&host) => ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            "wrong_host",
            format!(
                "this server has no auth and answers only to localhost, 127.0.0.1 or [::1], not `{}`",
                host.escape_debug()
            ),
        )
        .into_response(),
        // A client that names no host is no browser, and no rebinding page.
        _ => next.run(request).await,
    }
}

/// Whether a Host header (`name[:port]`) names the loopback interface.
fn names_loopback(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _port)| name),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::names_loopback;

    #[test]
    fn loopback_names_and_addresses_are_this_machine() {
        for host in [
            "localhost",
            "localhost:8080",
            "LOCALHOST.",
            "console.localhost:1",
            "127.0.0.1",
            "127.0.0.1:8080",
            "127.1.2.3:80",
            "[::1]:8080",
            "[::1]",
        ] {
            assert!(names_loopback(host), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:8080",
            "localhost.evil.example",
            "127.0.0.1.nip.io:8080",
            "10.0.0.1:8080",
            "[::2]:80",
            "",
        ] {
            assert!(!names_loopback(host), "{host}");
        }
    }
}
