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
