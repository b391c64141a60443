//! `promptctl serve` as a real process: start-up errors, shutdown, a kill in the middle of a
//! change set, the story's migration through the server, two servers on one database.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::stores::{TestDatabase, postgres_url};
use crate::common::{copy_prompts, promptctl, run};
use crate::reconcile_cli::legacy_export;

/// A free loopback port (bound, read, released).
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `promptctl serve`, killed when dropped. Its log goes to a file, not a pipe: a
/// pipe nobody reads fills up and stops a busy server.
pub(crate) struct Server {
    child: Child,
    pub(crate) url: String,
    log: std::path::PathBuf,
}

impl Server {
    pub(crate) fn start(dir: &Path, args: &[&str]) -> Server {
        Server::start_with(dir, args, &[])
    }

    /// [`Server::start`] with these environment variables.
    pub(crate) fn start_with(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Server {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let log = dir.join(format!("serve-{port}.log"));
        // Quick polling unless the test sets its own.
        let refresh: &[&str] = if args.contains(&"--refresh-ms") {
            &[]
        } else {
            &["--refresh-ms", "100"]
        };
        let child = promptctl(dir)
            .envs(envs.iter().copied())
            .args(["serve", "--listen", &listen])
            .args(refresh)
            .args(args)
            .stdout(Stdio::null())
            .stderr(fs_err::File::create(&log).unwrap().into_parts().0)
            .spawn()
            .unwrap();
        let server = Server {
            child,
            url: format!("http://{listen}"),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(&listen).is_ok() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "serve did not start on {listen}: {}",
            fs_err::read_to_string(&server.log).unwrap_or_default()
        );
    }

    pub(crate) fn kill(mut self) -> String {
        let _ = self.child.kill();
        self.output()
    }

    /// Stop it as an operator would (SIGTERM: the log is written out), and return the log.
    #[cfg(unix)]
    fn stop(mut self) -> String {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.output()
    }

    fn output(&mut self) -> String {
        let _ = self.child.wait();
        self.log_so_far()
    }

    /// What the server has logged so far.
    pub(crate) fn log_so_far(&self) -> String {
        fs_err::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `admin ci …` / `read app …` tokens file in `dir`; returns (admin, read) tokens.
pub(crate) fn tokens(dir: &Path) -> (String, String) {
    let make = |role: &str, name: &str| -> Value {
        let (code, stdout, _) = run(promptctl(dir).args([
            "token", "new", "--role", role, "--name", name, "--format", "json",
        ]));
        assert_eq!(code, 0);
        serde_json::from_str(&stdout).unwrap()
    };
    let (admin, read) = (make("admin", "ci"), make("read", "app"));
    fs_err::write(
        dir.join("tokens"),
        format!(
            "# test tokens\n{}\n{}\n",
            admin["line"].as_str().unwrap(),
            read["line"].as_str().unwrap()
        ),
    )
    .unwrap();
    (
        admin["token"].as_str().unwrap().to_owned(),
        read["token"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn start_up_errors_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let (code, _, stderr) =
        run(promptctl(dir.path()).args(["serve", "--insecure-no-auth", "--listen", &addr]));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("cannot listen on") && stderr.contains("another process uses the port"),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("Address already in use").count(),
        1,
        "said once: {stderr}"
    );

    fs_err::write(dir.path().join("tokens"), "admin ci not-a-digest\n").unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).args(["serve", "--tokens", "tokens"]));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("tokens:1:") && stderr.contains("SHA-256"),
        "{stderr}"
    );

    let (code, _, stderr) =
        run(promptctl(dir.path()).args(["serve", "--insecure-no-auth", "--listen", "0.0.0.0:0"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("only on a loopback address"), "{stderr}");

    let (code, _, stderr) = run(promptctl(dir.path()).args(["serve"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("serve needs tokens"), "{stderr}");

    let (code, _, stderr) = run(promptctl(dir.path()).args([
        "serve",
        "--insecure-no-auth",
        "--database",
        "postgres://promptctl@127.0.0.1:1/nothing",
    ]));
    assert_eq!(code, 1);
    assert!(stderr.contains("cannot open the store"), "{stderr}");
    assert!(
        stderr.contains("cannot connect to 127.0.0.1:1"),
        "the cause, at once: {stderr}"
    );
    drop(busy);
}

#[cfg(unix)]
#[test]
fn sigterm_finishes_and_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &["--insecure-no-auth"]);
    let pid = server.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = server.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let log = server.output();
    assert!(log.contains("promptctl serve stopped"), "{log}");
}

#[test]
fn the_story_migration_runs_through_the_server_and_no_token_is_logged() {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    let (admin, read) = tokens(dir.path());
    let server = Server::start(
        dir.path(),
        &["--tokens", "tokens", "--database", "sqlite:server.db"],
    );
    fs_err::write(dir.path().join("legacy.json"), legacy_export().to_string()).unwrap();
    let client = |token: &str| {
        let mut command = promptctl(dir.path());
        command
            .args(["--store", &server.url])
            .env("PROMPTCTL_TOKEN", token);
        command
    };
    let (code, _, stderr) = run(client(&admin).args(["store", "restore", "legacy.json"]));
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = run(client(&read).args(["plan", "--format", "json"]));
    assert_eq!(code, 0, "{stderr}");
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(plan["summary"]["backfill"], 12);
    let (code, _, stderr) = run(client(&read).args(["apply", "--auto-approve"]));
    assert_eq!(code, 1, "a read token cannot apply");
    assert!(
        stderr.contains("403") || stderr.contains("role"),
        "{stderr}"
    );
    let (code, stdout, stderr) = run(client(&admin).args(["apply", "--auto-approve"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Rows without ai_model: 0"), "{stdout}");
    let (code, _, _) = run(client(&read).args(["plan", "--detailed-exitcode"]));
    assert_eq!(code, 0, "converged");
    let (code, stdout, _) =
        run(client(&read).args(["history", "--format", "json", "--limit", "1"]));
    assert_eq!(code, 0);
    let history: Value = serde_json::from_str(&stdout).unwrap();
    assert!(
        history[0]["actor"].as_str().unwrap().starts_with("ci"),
        "{history}"
    );
    let log = server.stop();
    assert!(log.contains("path=/v1/changesets status=200"), "{log}");
    assert!(
        !log.contains(&admin) && !log.contains(&read),
        "a token leaked into the log"
    );
}

#[test]
fn a_server_killed_mid_change_set_leaves_the_store_before_or_after() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        &["--insecure-no-auth", "--database", "sqlite:kill.db"],
    );
    let store_id = get_json(&format!("{}/v1/snapshot", server.url))["store_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let template = "x".repeat(4000);
    let ops: Vec<Value> = (0..4000)
        .map(|i| {
            json!({"op": "insert", "action": "create", "expect_new_name": true, "row": {
                "prompt_name": format!("p{i}"), "prompt_version": "v1", "prompt_template": template,
                "description": null, "input_schema": null, "output_schema": null, "workflow_step": null,
                "subsystem": null, "ai_model": "openai/gpt-5", "max_tokens": null, "temperature": null, "is_active": true
            }})
        })
        .collect();
    let body = json!({"store_id": store_id, "actor": "t", "ops": ops}).to_string();
    let url = format!("{}/v1/changesets", server.url);
    let sender = std::thread::spawn(move || http("POST", &url, Some(&body)));
    std::thread::sleep(Duration::from_millis(150));
    server.kill();
    let _ = sender.join().unwrap();
    let restarted = Server::start(
        dir.path(),
        &["--insecure-no-auth", "--database", "sqlite:kill.db"],
    );
    let snapshot = get_json(&format!("{}/v1/snapshot", restarted.url));
    let rows = snapshot["rows"].as_array().unwrap().len();
    assert!(rows == 0 || rows == 4000, "half a change set: {rows} rows");
    assert_eq!(
        snapshot["revision"].as_i64().unwrap(),
        i64::from(rows == 4000)
    );
}

/// A plain HTTP/1.1 exchange over a socket: (status, body). Enough for these tests, and no
/// client library between the test and what the server really sends.
pub(crate) fn http(method: &str, url: &str, body: Option<&str>) -> std::io::Result<(u16, String)> {
    use std::io::{Read, Write};
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = std::net::TcpStream::connect(host)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = body.unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body.as_bytes())?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    let reply = String::from_utf8_lossy(&reply).into_owned();
    let status = reply.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = reply
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

fn get_json(url: &str) -> Value {
    let (status, body) = http("GET", url, None).unwrap();
    assert_eq!(status, 200, "{url}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{url}: {e}: {body}"))
}

#[test]
fn two_servers_on_one_postgres_database_act_as_one_store() {
    let Some(admin_url) = postgres_url() else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let database = runtime.block_on(TestDatabase::create(&admin_url));
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    let first = Server::start(
        dir.path(),
        &["--insecure-no-auth", "--database", &database.url],
    );
    let second = Server::start(
        dir.path(),
        &["--insecure-no-auth", "--database", &database.url],
    );
    fs_err::write(dir.path().join("legacy.json"), legacy_export().to_string()).unwrap();
    let (code, _, stderr) =
        run(promptctl(dir.path()).args(["--store", &first.url, "store", "restore", "legacy.json"]));
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) =
        run(promptctl(dir.path()).args(["--store", &second.url, "plan", "--out", "plan.json"]));
    assert_eq!(code, 0, "{stderr}");
    let apply = |url: &str| {
        promptctl(dir.path())
            .args(["--store", url, "apply", "plan.json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (apply(&first.url), apply(&second.url));
    let outputs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
    let winners = outputs.iter().filter(|o| o.status.success()).count();
    assert_eq!(winners, 1, "{outputs:?}");
    let loser = outputs.iter().find(|o| !o.status.success()).unwrap();
    assert!(
        String::from_utf8_lossy(&loser.stderr).contains("stale plan"),
        "{loser:?}"
    );
    // Both servers see the one store: the same revision, and (after a refresh) the same prompts.
    let revision = |url: &str| {
        get_json(&format!("{url}/v1/snapshot"))["revision"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(revision(&first.url), 2);
    assert_eq!(revision(&second.url), 2);
    std::thread::sleep(Duration::from_millis(400));
    let model = |url: &str| {
        get_json(&format!("{url}/v1/prompts/generate_mock_incident_data"))["ai_model"].clone()
    };
    assert_eq!(model(&first.url), "openai/gpt-5");
    assert_eq!(model(&second.url), "openai/gpt-5");
    drop((first, second));
}

#[test]
fn a_replica_hears_another_servers_change_at_once_and_again_after_its_listen_connection_drops() {
    let Some(admin_url) = postgres_url() else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let database = runtime.block_on(TestDatabase::create(&admin_url));
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    // Polling every ten minutes: only a notification can bring a change over in seconds.
    let args = [
        "--insecure-no-auth",
        "--database",
        &database.url,
        "--refresh-ms",
        "600000",
    ];
    let (writer, replica) = (
        Server::start(dir.path(), &args),
        Server::start(dir.path(), &args),
    );
    let file = dir
        .path()
        .join("prompts/incidents/generate_mock_incident_data.yaml");
    let model_on_replica = || {
        let (status, body) = http(
            "GET",
            &format!("{}/v1/prompts/generate_mock_incident_data", replica.url),
            None,
        )
        .unwrap();
        (status == 200).then(|| serde_json::from_str::<Value>(&body).unwrap()["ai_model"].clone())
    };
    let wait_for = |model: &str| {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if model_on_replica().is_some_and(|m| m == model) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "the replica still serves {:?}, not {model}\n{}",
            model_on_replica(),
            replica.log_so_far()
        );
    };
    let apply_through_writer = |model: &str| {
        let text = fs_err::read_to_string(&file).unwrap();
        let current = text
            .lines()
            .find_map(|l| l.strip_prefix("ai_model: "))
            .unwrap()
            .to_owned();
        fs_err::write(&file, text.replace(&current, model)).unwrap();
        let (code, _, stderr) =
            run(promptctl(dir.path()).args(["--store", &writer.url, "apply", "--auto-approve"]));
        assert_eq!(code, 0, "{stderr}");
    };
    apply_through_writer("openai/gpt-5");
    wait_for("openai/gpt-5");
    apply_through_writer("openai/gpt-5-mini");
    wait_for("openai/gpt-5-mini");

    // Cut the replica's LISTEN connection: it reconnects, and the next change still arrives.
    let terminated: i64 = runtime.block_on(async {
        use sqlx::Connection;
        let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
        sqlx::query_scalar(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = $1 AND query LIKE 'LISTEN%'",
        )
        .bind(&database.name)
        .fetch_one(&mut admin)
        .await
        .unwrap()
    });
    assert_eq!(
        terminated, 2,
        "each server listens on a connection of its own"
    );
    apply_through_writer("openai/gpt-4o-mini");
    wait_for("openai/gpt-4o-mini");
    drop((writer, replica));
}
