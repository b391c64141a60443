//! Where output goes and what happens when it cannot go there: a failed write of data is an
//! error, a closed pipe is not.

use std::process::Stdio;

use serde_json::json;

use crate::common::{promptctl, run};

/// A project whose store holds `rows` prompts with long templates (an export of well over a
/// pipe's 64 KiB buffer).
fn project_with_rows(rows: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<_> = (0..rows)
        .map(|i| {
            json!({"prompt_name": format!("p{i}"), "prompt_version": "v1",
                   "prompt_template": "x".repeat(2000), "ai_model": "openai/gpt-5"})
        })
        .collect();
    fs_err::write(dir.path().join("rows.json"), json!(rows).to_string()).unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).args(["store", "restore", "rows.json"]));
    assert_eq!(code, 0, "{stderr}");
    dir
}

#[test]
fn a_failed_write_of_data_is_an_error() {
    let dir = project_with_rows(3);
    for args in [&["store", "export"][..], &["models", "--format", "json"]] {
        let full = fs_err::File::options()
            .write(true)
            .open("/dev/full")
            .unwrap()
            .into_parts()
            .0;
        let (code, _, stderr) = run(promptctl(dir.path()).args(args).stdout(full));
        assert_eq!(code, 1, "{args:?} to a full disk must fail: {stderr}");
        assert!(
            stderr.contains("cannot write the output to stdout"),
            "{stderr}"
        );
        assert!(stderr.contains("No space left on device"), "{stderr}");
    }
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let dir = project_with_rows(100);
    let mut child = promptctl(dir.path())
        .args(["store", "export"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away at once, as `| head -c0` would: 200 KB cannot fit the pipe.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn verbose_says_what_is_read_from_where_and_how_long_each_step_took() {
    let dir = tempfile::tempdir().unwrap();
    crate::common::copy_prompts(dir.path());
    let (code, stdout, stderr) =
        run(promptctl(dir.path()).args(["-v", "plan", "--format", "json"]));
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str::<serde_json::Value>(&stdout).expect("stdout is still only the plan");
    for expected in [
        "config: no promptctl.yaml",
        "catalog: built in",
        "store: sqlite:",
        "validated 9 prompt files under",
        "read 0 rows (revision 0) from sqlite:",
        "diffed 9 prompts against 0 rows: 9 changes",
        " ms",
    ] {
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    }
    let (_, _, quiet) = run(promptctl(dir.path()).args(["plan", "--format", "json"]));
    assert!(!quiet.contains("validated"), "without -v: {quiet}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_shows_each_http_request_and_never_the_token() {
    use promptctl::server::auth::{digest_hex, new_token};
    let dir = tempfile::tempdir().unwrap();
    crate::common::copy_prompts(dir.path());
    let store = promptctl::store::sqlite::SqliteStore::open(&dir.path().join("served.db"))
        .await
        .unwrap();
    let token = new_token().unwrap();
    let tokens =
        promptctl::server::Tokens::parse(&format!("admin ci {}\n", digest_hex(&token)), "t")
            .unwrap();
    let (url, _stop) = crate::common::stores::start_server(Box::new(store), Some(tokens)).await;
    let output = tokio::task::spawn_blocking({
        let (dir, url, token) = (dir.path().to_path_buf(), url.clone(), token.clone());
        move || {
            run(promptctl(&dir)
                .args(["-v", "--store", &url, "plan"])
                .env("PROMPTCTL_TOKEN", &token))
        }
    })
    .await
    .unwrap();
    let (code, _, stderr) = output;
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("(with a bearer token)"), "{stderr}");
    assert!(
        stderr.contains(&format!("GET {url}/v1/snapshot → 200 in")),
        "{stderr}"
    );
    assert!(!stderr.contains(&token), "the token was printed: {stderr}");
}

/// The system calls of `promptctl ARGS` in `dir`, as strace records them; `None` (with the
/// reason printed) where strace is not installed. Under CI it must be.
fn traced(dir: &std::path::Path, args: &[&str]) -> Option<String> {
    if std::process::Command::new("strace")
        .arg("-V")
        .output()
        .is_err()
    {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but strace is not installed"
        );
        eprintln!("skipped: strace is not installed");
        return None;
    }
    let log = dir.join("strace.log");
    let mut command = std::process::Command::new("strace");
    command
        .current_dir(dir)
        .args([
            "-f",
            "-e",
            "trace=openat,fsync,renameat,renameat2,rename",
            "-o",
        ])
        .arg(&log)
        .arg(crate::common::bin())
        .args(args)
        .env("NO_COLOR", "1");
    let (code, _, stderr) = run(&mut command);
    assert_eq!(code, 0, "{stderr}");
    Some(fs_err::read_to_string(log).unwrap())
}

#[test]
fn a_durable_write_flushes_the_directory_after_the_rename() {
    let dir = project_with_rows(3);
    let target = dir.path().join("backup.json");
    let out = target.to_string_lossy().into_owned();
    let Some(log) = traced(dir.path(), &["store", "export", "--out", &out]) else {
        return;
    };
    let lines: Vec<&str> = log.lines().collect();
    let renamed = lines
        .iter()
        .position(|l| l.contains("rename") && l.contains(&*target.to_string_lossy()))
        .unwrap_or_else(|| panic!("no rename onto {}:\n{log}", target.display()));
    // After the rename: the directory is opened and that descriptor fsynced.
    let folder = format!("\"{}\"", dir.path().display());
    let opened = lines[renamed..]
        .iter()
        .find(|l| {
            l.contains("openat(") && l.contains(&folder) && l.contains("O_DIRECTORY")
                || (l.contains("openat(") && l.contains(&folder))
        })
        .unwrap_or_else(|| panic!("the directory is not opened after the rename:\n{log}"));
    let descriptor = opened.rsplit("= ").next().unwrap().trim();
    assert!(
        lines[renamed..]
            .iter()
            .any(|l| l.contains(&format!("fsync({descriptor})"))),
        "the directory is not fsynced after the rename:\n{log}"
    );
}
