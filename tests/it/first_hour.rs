//! A new user's first hour: `init` in an empty folder, then validate → plan → apply → list
//! there; shell completions, the man page, `--version`, tokens added to a file, and Ctrl-C
//! during an apply.

use std::time::Duration;

use promptctl::store::Store;
use promptctl::store::postgres::PostgresStore;

use crate::common::pg_proxy::{Act, PgProxy};
use crate::common::stores::{TestDatabase, postgres_url};
use crate::common::{promptctl, run};

#[test]
fn init_makes_a_project_that_validates_plans_applies_and_lists() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).args(["init", "--github-workflow"]));
    assert_eq!(code, 0, "{stderr}");
    for file in [
        "promptctl.yaml",
        "prompts/example.yaml",
        "schemas/prompt.schema.json",
        ".github/workflows/promptctl.yml",
        ".gitignore",
    ] {
        assert!(dir.path().join(file).is_file(), "{file} was not written");
    }
    assert!(
        fs_err::read_to_string(dir.path().join(".gitignore"))
            .unwrap()
            .contains("/.promptctl/")
    );
    // The example names the schema the project now has.
    let example = fs_err::read_to_string(dir.path().join("prompts/example.yaml")).unwrap();
    assert!(
        example.contains("$schema=../schemas/prompt.schema.json"),
        "{example}"
    );

    let (code, _, stderr) = run(promptctl(dir.path()).arg("validate"));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !stderr.contains("warning"),
        "a new project starts clean: {stderr}"
    );
    let (code, stdout, stderr) = run(promptctl(dir.path()).args(["plan", "--detailed-exitcode"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.contains("summarize_ticket"), "{stdout}");
    let (code, _, stderr) = run(promptctl(dir.path()).args(["apply", "--auto-approve"]));
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = run(promptctl(dir.path()).arg("list"));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("summarize_ticket") && stdout.contains("in sync"),
        "{stdout}"
    );

    // A second init keeps what is there.
    fs_err::write(dir.path().join("promptctl.yaml"), "prompts_dir: prompts\n").unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).arg("init"));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("kept     promptctl.yaml"), "{stderr}");
    assert_eq!(
        fs_err::read_to_string(dir.path().join("promptctl.yaml")).unwrap(),
        "prompts_dir: prompts\n"
    );
    assert!(
        !dir.path().join("prompts/example.yaml").exists()
            || fs_err::read_to_string(dir.path().join(".gitignore"))
                .unwrap()
                .matches("/.promptctl/")
                .count()
                == 1,
        "the store is ignored once"
    );
}

#[test]
fn completions_man_page_and_version_come_from_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let (code, stdout, stderr) = run(promptctl(dir.path()).args(["completions", shell]));
        assert_eq!(code, 0, "{shell}: {stderr}");
        for command in ["validate", "set-model", "completions"] {
            assert!(stdout.contains(command), "{shell} completes no `{command}`");
        }
    }
    let (code, stdout, _) = run(promptctl(dir.path()).arg("man"));
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with(".ie") || stdout.contains(".TH promptctl 1"),
        "{stdout:.200}"
    );
    assert!(
        stdout.contains(".TH promptctl-set-model 1"),
        "every command has its page"
    );

    let (code, stdout, _) = run(promptctl(dir.path()).arg("--version"));
    assert_eq!(code, 0);
    // `promptctl 0.1.0 (<commit> <date>)`
    let version = stdout.trim();
    assert!(
        version.starts_with(&format!("promptctl {} (", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    assert!(version.ends_with(')'), "{version}");

    let (code, stdout, _) = run(promptctl(dir.path()).args(["plan", "--help"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("Examples:"), "{stdout}");
    assert!(stdout.contains("Global options:"), "{stdout}");
}

#[test]
fn token_new_can_add_its_line_to_a_tokens_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens");
    fs_err::write(&file, "# the server's tokens\n").unwrap();
    let (code, stdout, stderr) = run(promptctl(dir.path()).args([
        "token", "new", "--role", "read", "--name", "web", "--format", "json", "--append", "tokens",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let made: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let text = fs_err::read_to_string(&file).unwrap();
    assert!(text.starts_with("# the server's tokens\n"), "{text}");
    assert!(text.contains(made["line"].as_str().unwrap()), "{text}");
    let tokens = promptctl::server::Tokens::parse(&text, "tokens").unwrap();
    assert!(
        tokens
            .authenticate(made["token"].as_str().unwrap())
            .is_some()
    );
    // A name already there is refused, and the file is left as it was.
    let (code, _, stderr) = run(promptctl(dir.path()).args([
        "token", "new", "--role", "admin", "--name", "web", "--append", "tokens",
    ]));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("already has a token named `web`"),
        "{stderr}"
    );
    assert_eq!(fs_err::read_to_string(&file).unwrap(), text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_during_an_apply_exits_130_and_writes_nothing() {
    let Some(admin) = postgres_url() else { return };
    let database = TestDatabase::create(&admin).await;
    let dir = tempfile::tempdir().unwrap();
    crate::common::copy_prompts(dir.path());
    let store = PostgresStore::open(&database.url).await.unwrap();
    let before = store.snapshot().await.unwrap();
    // The apply waits at its 25th statement, inside its transaction, until it is interrupted.
    let proxy = PgProxy::start(&database.url, Act::HoldAt(25)).await;
    let child = promptctl(dir.path())
        .args([
            "--store",
            &proxy.url(&database.url),
            "apply",
            "--auto-approve",
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::timeout(Duration::from_secs(30), proxy.held())
        .await
        .expect("the apply reached its 25th statement");
    let pid = child.id().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("nothing was written, the store is unchanged"),
        "{stderr}"
    );
    let after = store.snapshot().await.unwrap();
    assert_eq!(after.revision, before.revision);
    assert_eq!(after.rows, before.rows);
}

#[test]
fn a_clean_clone_validates_without_a_warning() {
    // The day this repository's prompts moved off openai/gpt-5, a week before its deprecation.
    let (code, _, stderr) = run(promptctl(&crate::common::repo_root())
        .arg("validate")
        .env("PROMPTCTL_TODAY", "2026-12-04"));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("no problems"), "{stderr}");
}

#[test]
fn ten_thousand_prompts_on_a_deprecating_model_make_one_warning() {
    let dir = tempfile::tempdir().unwrap();
    let prompts = dir.path().join("prompts");
    fs_err::create_dir_all(&prompts).unwrap();
    for i in 0..300 {
        fs_err::write(
            prompts.join(format!("p{i}.yaml")),
            format!("prompt_name: p{i}\nprompt_version: v1\nai_model: openai/gpt-5\nprompt_template: Hi\n"),
        )
        .unwrap();
    }
    let validate = |extra: &[&str]| {
        run(promptctl(dir.path())
            .args(extra)
            .arg("validate")
            .env("PROMPTCTL_TODAY", "2026-12-04"))
    };
    let (code, _, stderr) = validate(&[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.lines().count() <= 10, "{stderr}");
    assert!(
        stderr.contains(
            "warning[deprecation-soon]: 300 files: `openai/gpt-5` is deprecated on 2026-12-11"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("and 297 more"), "{stderr}");
    let (_, _, every) = validate(&["-v"]);
    assert!(
        every.matches("warning[deprecation-soon]").count() == 300,
        "-v shows each"
    );
    // Each with the line it points at, though a file that only warns keeps no text in memory.
    assert_eq!(
        every.matches("3 | ai_model: openai/gpt-5").count(),
        300,
        "{every}"
    );
    let (code, _, quiet) = validate(&["-q"]);
    assert_eq!((code, quiet.as_str()), (0, ""), "-q: data and errors only");
    fs_err::write(
        dir.path().join("promptctl.yaml"),
        "silence: [deprecation-soon]\n",
    )
    .unwrap();
    let (code, _, silenced) = validate(&[]);
    assert_eq!(code, 0);
    assert!(silenced.contains("no problems"), "{silenced}");
}
