//! Store files as a user meets them: only `apply`, `store restore` and `serve` create a store;
//! the default local store reads as empty before the first apply; a store named that does not
//! exist, or an empty file, is "no store"; the write-ahead log is folded into the file when a
//! command ends; a forced restore that does not happen leaves no backup file; a full disk at
//! commit is a plain failure, since SQLite rolled the write back.

use std::path::Path;

use serde_json::{Value, json};

use crate::common::stores::{TestDatabase, postgres_url};
use crate::common::{copy_prompts, promptctl, run};

fn files(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| {
            e.unwrap()
                .path()
                .strip_prefix(dir)
                .unwrap()
                .display()
                .to_string()
        })
        .filter(|p| !p.starts_with("prompts") && !p.is_empty())
        .collect();
    out.sort();
    out
}

#[test]
fn reading_a_store_that_is_not_there_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    for args in [
        &["--store", "sqlite:/nonexistent/dir/x.db", "plan"][..],
        &["--store", "sqlite:typo.db", "list"][..],
        &["--store", "sqlite:typo.db", "history"][..],
        &["--store", "sqlite:typo.db", "store", "export"][..],
        &["--store", "sqlite:typo.db", "import"][..],
    ] {
        let (code, stdout, stderr) = run(promptctl(dir.path()).args(args));
        assert_eq!(code, 1, "{args:?}: {stdout}{stderr}");
        assert!(
            stderr.contains("no store at sqlite:") && stderr.contains("the file does not exist"),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains("`promptctl apply`"),
            "says what to run: {stderr}"
        );
    }
    assert!(!Path::new("/nonexistent/dir").exists());
    assert!(files(dir.path()).is_empty(), "{:?}", files(dir.path()));
}

#[test]
fn an_empty_store_file_is_no_store_for_any_command() {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    fs_err::write(dir.path().join("store.db"), "").unwrap();
    for args in [
        &["list"][..],
        &["plan"][..],
        &["apply", "--auto-approve"][..],
    ] {
        let (code, _, stderr) = run(promptctl(dir.path())
            .args(["--store", "sqlite:store.db"])
            .args(args));
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(stderr.contains("the file is empty (0 bytes)"), "{stderr}");
    }
    assert_eq!(
        fs_err::metadata(dir.path().join("store.db")).unwrap().len(),
        0
    );
}

#[test]
fn the_default_store_reads_as_empty_before_the_first_apply_and_a_plan_saved_then_applies() {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    for args in [&["list"][..], &["history"][..], &["status"][..]] {
        let (code, _, stderr) = run(promptctl(dir.path()).args(args));
        assert_eq!(code, 0, "{args:?}: {stderr}");
    }
    let (code, stdout, stderr) = run(promptctl(dir.path()).args(["plan", "--out", "plan.json"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("(not created yet)"), "{stdout}");
    assert!(stdout.contains("Plan: 9 to create"), "{stdout}");
    assert!(
        !dir.path().join(".promptctl").exists(),
        "plan created nothing"
    );
    let (code, stdout, stderr) = run(promptctl(dir.path()).args(["apply", "plan.json"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("9 created"), "{stdout}");
}

#[test]
fn a_postgres_database_without_our_tables_reads_as_empty_and_stays_so() {
    let Some(admin) = postgres_url() else { return };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let database = runtime.block_on(TestDatabase::create(&admin));
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    let (code, stdout, stderr) =
        run(promptctl(dir.path()).args(["--store", &database.url, "plan"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Plan: 9 to create"), "{stdout}");
    let created: bool = runtime.block_on(async {
        use sqlx::Connection;
        let mut db = sqlx::PgConnection::connect(&database.url).await.unwrap();
        let (created,): (bool,) = sqlx::query_as("SELECT to_regclass('store_meta') IS NOT NULL")
            .fetch_one(&mut db)
            .await
            .unwrap();
        created
    });
    assert!(!created, "plan created no table");
}

#[test]
fn after_a_command_the_store_file_alone_holds_the_whole_store() {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    let (code, _, stderr) = run(promptctl(dir.path()).args(["apply", "--auto-approve"]));
    assert_eq!(code, 0, "{stderr}");
    let wal = dir.path().join(".promptctl/store.db-wal");
    assert!(
        !wal.exists() || fs_err::metadata(&wal).unwrap().len() == 0,
        "the write-ahead log was folded into the file"
    );
    // A copy of the file alone — a backup, a CI artifact — is the store.
    let copy = tempfile::tempdir().unwrap();
    fs_err::copy(
        dir.path().join(".promptctl/store.db"),
        copy.path().join("store.db"),
    )
    .unwrap();
    let rows = crate::common::listed_rows(copy.path(), "sqlite:store.db");
    assert_eq!(rows.len(), 9);
}

#[test]
fn a_forced_restore_that_is_refused_leaves_no_backup_file() {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    let (code, _, stderr) = run(promptctl(dir.path()).args(["apply", "--auto-approve"]));
    assert_eq!(code, 0, "{stderr}");
    fs_err::write(
        dir.path().join("bad.json"),
        json!([{"prompt_name": "a", "prompt_version": "v1", "prompt_template": "Hi.",
                "ai_model": "anthropic/claude-3-sonnet"}])
        .to_string(),
    )
    .unwrap();
    let (code, _, stderr) =
        run(promptctl(dir.path()).args(["store", "restore", "bad.json", "--force"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(!dir.path().join(".promptctl/backups").exists(), "{stderr}");
}

/// A small filesystem of its own, mounted for the test: where mounting is not allowed the test
/// says so and passes, except under CI.
struct SmallDisk {
    path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(bytes: usize) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("disk");
        fs_err::create_dir_all(&path).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}")])
            .arg("tmpfs")
            .arg(&path)
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but a tmpfs cannot be mounted for the disk-full test"
            );
            eprintln!("skipped: cannot mount a tmpfs (needs root) for the disk-full test");
            return None;
        }
        Some(SmallDisk { path, _dir: dir })
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(&self.path)
            .status();
    }
}

#[test]
fn a_full_disk_at_commit_is_a_failure_that_changed_nothing() {
    let Some(disk) = SmallDisk::mount(1024 * 1024) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    let store = format!("sqlite:{}", disk.path.join("store.db").display());
    let (code, _, stderr) =
        run(promptctl(dir.path()).args(["--store", &store, "apply", "--auto-approve"]));
    assert_eq!(code, 0, "{stderr}");
    let before = crate::common::listed_rows(dir.path(), &store);
    // Fill the disk, leaving too little for the next change.
    let filler = disk.path.join("filler");
    let free = fs2_free(&disk.path);
    fs_err::write(&filler, vec![0u8; free.saturating_sub(64 * 1024)]).unwrap();
    let rows: Vec<Value> = (0..200)
        .map(|i| {
            json!({"prompt_name": format!("big_{i}"), "prompt_version": "v1",
                   "prompt_template": "x".repeat(2000), "ai_model": "openai/gpt-5"})
        })
        .collect();
    fs_err::write(dir.path().join("big.json"), Value::Array(rows).to_string()).unwrap();
    let (code, _, stderr) =
        run(promptctl(dir.path())
            .args(["--store", &store, "store", "restore", "big.json", "--force"]));
    assert_eq!(
        code, 1,
        "a failure that changed nothing, not unknown: {stderr}"
    );
    assert!(
        stderr.contains("full") && !stderr.contains("may or may not"),
        "{stderr}"
    );
    fs_err::remove_file(&filler).unwrap();
    assert_eq!(crate::common::listed_rows(dir.path(), &store), before);
}

/// Free bytes on the filesystem of `path`.
fn fs2_free(path: &Path) -> usize {
    let output = std::process::Command::new("df")
        .args(["--output=avail", "-B1"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .unwrap()
}
