//! `set-model` on real files: each case in tests/fixtures/rewrite/<case>/{in,out}/, the dry-run
//! diff, and the property that nothing but `ai_model` ever changes.

use std::path::Path;

use proptest::prelude::*;

use crate::common::{copy_tree, promptctl, repo_root, run};

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in walk(dir) {
        let relative = entry.strip_prefix(dir).unwrap().display().to_string();
        out.push((relative, fs_err::read(&entry).unwrap()));
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in fs_err::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[test]
fn every_case_gives_its_expected_files_byte_for_byte() {
    let cases = repo_root().join("tests/fixtures/rewrite");
    let mut checked = 0;
    for entry in fs_err::read_dir(&cases).unwrap() {
        let case = entry.unwrap().path();
        if !case.is_dir() {
            continue;
        }
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let dir = tempfile::tempdir().unwrap();
        copy_tree(&case.join("in"), dir.path());
        let args = fs_err::read_to_string(case.join("args")).unwrap();
        let expected_exit: i32 =
            fs_err::read_to_string(case.join("exit")).map_or(0, |t| t.trim().parse().unwrap());
        let (code, _, stderr) = run(promptctl(dir.path())
            .arg("set-model")
            .args(args.split_whitespace()));
        assert_eq!(code, expected_exit, "{name}: {stderr}");
        assert_eq!(
            files(dir.path()),
            files(&case.join("out")),
            "{name}: {stderr}"
        );
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} cases");
}

#[test]
fn dry_run_prints_the_diff_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(
        &repo_root().join("tests/fixtures/rewrite/comments/in"),
        dir.path(),
    );
    let before = files(dir.path());
    let (code, stdout, stderr) =
        run(promptctl(dir.path()).args(["set-model", "openai/gpt-5-mini", "--all", "--dry-run"]));
    assert_eq!(code, 0);
    assert_eq!(files(dir.path()), before);
    insta::assert_snapshot!(stdout, @r"
    --- a/prompts/a.yaml
    +++ b/prompts/a.yaml
    @@ -6,3 +6,3 @@
     
    -ai_model: openai/gpt-4o-mini    # cheap for now
    +ai_model: openai/gpt-5-mini    # cheap for now
     # temperature is not set: gpt-5 models accept none
    ");
    assert!(
        stderr.contains("Would change 1 file:\n  openai/gpt-4o-mini → openai/gpt-5-mini: 1"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_model_is_refused_with_the_nearest_ids() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) =
        run(promptctl(dir.path()).args(["set-model", "claude-sonnet-4.5", "--all"]));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("`claude-sonnet-4.5` is not in the model catalog; did you mean"),
        "{stderr}"
    );
    assert!(stderr.contains("anthropic/claude-sonnet-4-5"), "{stderr}");
}

/// A valid prompt file in one of many layouts: comments, quoting, order, line endings.
fn layout() -> impl Strategy<Value = (String, bool)> {
    let quote = prop_oneof![Just(""), Just("'"), Just("\"")];
    (
        quote,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::sample::select(vec![
            "openai/gpt-4o-mini",
            "openai/gpt-5",
            "anthropic/claude-3-haiku",
        ]),
        "[a-z ]{0,20}",
    )
        .prop_map(
            |(quote, has_model, crlf, comments, model_last, model, comment)| {
                let hash = if comments {
                    format!("  # {comment}")
                } else {
                    String::new()
                };
                let mut lines = vec![
                    format!("# {comment}"),
                    format!("prompt_name: {quote}p{quote}{hash}"),
                    format!("prompt_version: v1{hash}"),
                ];
                let model_line = format!("ai_model: {quote}{model}{quote}{hash}");
                if has_model && !model_last {
                    lines.push(model_line.clone());
                }
                lines.push(String::new());
                lines.push("prompt_template: |".to_owned());
                lines.push("  Hello {{name}}.".to_owned());
                lines.push(
                    "input_schema: {type: object, properties: {name: {type: string}}}".to_owned(),
                );
                if has_model && model_last {
                    lines.push(model_line);
                }
                let newline = if crlf { "\r\n" } else { "\n" };
                (lines.join(newline) + newline, has_model)
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn set_model_changes_nothing_but_ai_model((text, had_model) in layout()) {
        let root = promptctl::yaml::parse(&text).unwrap();
        let edited = promptctl::rewrite::set_ai_model(&text, &root, "anthropic/claude-haiku-4-5").unwrap();
        let before = root.to_json();
        let after = promptctl::yaml::parse(&edited).unwrap().to_json();
        let mut expected = before.clone();
        expected["ai_model"] = serde_json::json!("anthropic/claude-haiku-4-5");
        prop_assert_eq!(after, expected);
        // Textually: the lines are the same but one (a changed or an inserted line).
        let old: Vec<&str> = text.split_inclusive('\n').collect();
        let new: Vec<&str> = edited.split_inclusive('\n').collect();
        let changed = if had_model {
            prop_assert_eq!(old.len(), new.len());
            old.iter().zip(&new).filter(|(a, b)| a != b).count()
        } else {
            prop_assert_eq!(old.len() + 1, new.len());
            1
        };
        prop_assert_eq!(changed, 1);
        prop_assert_eq!(text.contains("\r\n"), edited.contains("\r\n"));
    }
}
