//! Errors say their cause once, in the shape of the face that reports it: no message repeated
//! by its own cause, no PostgreSQL source line, a JSON envelope from the API whatever fails,
//! and `serve -v` without SQL (that is `-vv`).

use std::time::Duration;

use crate::common::stores::{TestDatabase, postgres_url};
use crate::common::{promptctl, run};
use crate::serve_process::{Server, http};

#[test]
fn a_missing_config_file_is_said_once() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).args(["--config", "nope.yaml", "list"]));
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        stderr.matches("No such file or directory").count(),
        1,
        "{stderr}"
    );
    assert_eq!(stderr.matches("nope.yaml").count(), 1, "{stderr}");
}

#[tokio::test]
async fn a_postgres_error_is_the_servers_message_once() {
    let Some(admin) = postgres_url() else { return };
    let database = TestDatabase::create(&admin).await;
    let missing = format!("{}_missing", database.url);
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).args(["--store", &missing, "list"]));
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stderr.matches("does not exist").count(), 1, "{stderr}");
    assert!(!stderr.contains("at line"), "{stderr}");
}

#[test]
fn a_path_that_is_not_utf8_gets_the_error_envelope() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--insecure-no-auth"]);
    for path in ["/v1/prompts/%FF%FE", "/v1/backups/%C3%28"] {
        let (status, body) = http("GET", &format!("{}{path}", server.url), None).unwrap();
        assert_eq!(status, 400, "{path}: {body}");
        let error: serde_json::Value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {body}"));
        assert_eq!(error["error"]["code"], "bad_request", "{body}");
    }
    let (status, body) = http("GET", &format!("{}/prompts/%FF", server.url), None).unwrap();
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("<html"), "the console answers a page: {body}");
}

#[test]
fn serve_logs_sql_only_at_vv() {
    for (flag, sql) in [("-v", false), ("-vv", true)] {
        let dir = tempfile::tempdir().unwrap();
        let server = Server::start(dir.path(), &[flag, "--insecure-no-auth"]);
        let (status, body) = http("GET", &format!("{}/v1/snapshot", server.url), None).unwrap();
        assert_eq!(status, 200, "{body}");
        // The log is written in batches.
        std::thread::sleep(Duration::from_millis(300));
        let log = server.log_so_far();
        assert!(log.contains("/v1/snapshot"), "{flag}: {log}");
        assert_eq!(log.contains("SELECT"), sql, "{flag}: {log}");
    }
}
