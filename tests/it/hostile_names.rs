//! Names that try to act on what reads the output: a file name with a newline forging a GitHub
//! workflow command, and names with bidi overrides or zero-width characters hiding what they
//! say. They print escaped, as rustc prints them.

use serde_json::json;

use crate::common::stores::sqlite_exec;
use crate::common::{promptctl, run};

/// Whether a line would be read by a GitHub runner as a workflow command.
fn is_command(line: &str) -> bool {
    line.trim_start().starts_with("::")
}

#[test]
fn a_file_name_cannot_forge_a_workflow_command() {
    let dir = tempfile::tempdir().unwrap();
    let prompts = dir.path().join("prompts");
    fs_err::create_dir_all(&prompts).unwrap();
    fs_err::write(
        prompts.join("a\n::warning title=INJECTED::pwned.yaml"),
        "prompt_name: x\n",
    )
    .unwrap();
    fs_err::write(
        prompts.join("b.yaml"),
        "prompt_name: y\nprompt_version: v1\nprompt_template: hi\nai_model: \"openai/gpt-5\\n::warning title=MODEL::m\"\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run(promptctl(dir.path())
        .arg("validate")
        .env("GITHUB_ACTIONS", "true"));
    assert_eq!(code, 1, "{stderr}");
    let commands: Vec<&str> = stdout
        .lines()
        .chain(stderr.lines())
        .filter(|line| is_command(line))
        .collect();
    assert!(!commands.is_empty(), "annotations are still made: {stderr}");
    for command in &commands {
        assert!(
            command.starts_with("::error "),
            "a forged command: {command}"
        );
    }
    // The annotation names the file with its newline escaped as GitHub reads it.
    assert!(
        stderr.contains("file=prompts/a%0A%3A%3Awarning title=INJECTED%3A%3Apwned.yaml"),
        "{stderr}"
    );
    // The report for people shows the newline as `\n`, like rustc.
    assert!(
        stderr.contains("prompts/a\\n::warning title=INJECTED::pwned.yaml"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`openai/gpt-5\\n::warning title=MODEL::m`"),
        "{stderr}"
    );
}

#[tokio::test]
async fn names_that_hide_what_they_say_print_escaped_in_list_and_history() {
    let dir = tempfile::tempdir().unwrap();
    let rows = json!([
        {"prompt_name": "invoice", "prompt_version": "v1", "prompt_template": "T",
         "ai_model": "openai/gpt-5"},
        {"prompt_name": "payment", "prompt_version": "v1", "prompt_template": "T",
         "ai_model": "openai/gpt-5"},
    ]);
    fs_err::write(dir.path().join("rows.json"), rows.to_string()).unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).args(["store", "restore", "rows.json"]));
    assert_eq!(code, 0, "{stderr}");
    // promptctl refuses such names; another tool writing the database does not.
    let store = dir.path().join(".promptctl/store.db");
    sqlite_exec(
        &store,
        "UPDATE ai_prompts SET prompt_name = CASE prompt_name \
         WHEN 'invoice' THEN 'invoice' || char(8238) || 'fdp.exe' \
         WHEN 'payment' THEN 'pay' || char(8203) || 'ment' || char(10) || '::warning::x' END;
         INSERT INTO audit_log (revision, at, actor, change, prompt_name, prompt_version, after)
         SELECT 1, 0, 'other-tool', 'update', prompt_name, prompt_version, '{}' FROM ai_prompts",
    )
    .await;
    for args in [&["list", "--all"][..], &["history"]] {
        let (code, stdout, stderr) = run(promptctl(dir.path()).args(args));
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert!(
            stdout.contains("invoice\\u{202e}fdp.exe"),
            "{args:?}: {stdout}"
        );
        assert!(
            stdout.contains("pay\\u{200b}ment\\n::warning::x"),
            "{args:?}: {stdout}"
        );
        assert!(
            !stdout.contains('\u{202e}') && !stdout.contains('\u{200b}'),
            "{args:?}: {stdout}"
        );
        assert!(!stdout.lines().any(is_command), "{args:?}: {stdout}");
    }
    // JSON carries the names as they are: it is data, escaped by JSON itself.
    let (_, stdout, _) = run(promptctl(dir.path()).args(["list", "--all", "--format", "json"]));
    assert!(stdout.contains("invoice\u{202e}fdp.exe"), "{stdout}");
}
