//! `validate`, `models` and `schema` through the real binary.

use serde_json::Value;

use crate::common::{copy_prompts, promptctl, repo_root, run};

const VALID: &str = "prompt_name: greet
prompt_version: v1
ai_model: openai/gpt-4o-mini
temperature: 0.2
input_schema:
  type: object
  properties:
    name: { type: string }
prompt_template: |
  Greet {{name}} warmly.
";

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        fs_err::create_dir_all(path.parent().unwrap()).unwrap();
        fs_err::write(path, text).unwrap();
    }
    dir
}

#[test]
fn the_repository_prompts_are_valid() {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    let (code, stdout, stderr) = run(promptctl(dir.path()).arg("validate"));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("9 files checked: no problems (9 prompts valid)"),
        "{stderr}"
    );
}

#[test]
fn every_problem_in_every_file_is_reported_in_one_run() {
    let dir = project(&[
        (
            "prompts/a.yaml",
            &VALID.replace("ai_model: openai/gpt-4o-mini\n", "ai_modle: x\n"),
        ),
        (
            "prompts/b.yaml",
            &VALID
                .replace("greet", "hello")
                .replace("{{name}}", "{{nme}}")
                .replace("0.2", "7"),
        ),
    ]);
    let (code, stdout, _) = run(promptctl(dir.path()).args(["validate", "--format", "json"]));
    assert_eq!(code, 1);
    let report = serde_json::from_str::<Value>(&stdout).unwrap();
    assert_eq!(
        report["summary"],
        serde_json::json!({"files": 2, "prompts": 0, "errors": 3, "warnings": 1})
    );
    let found: Vec<(String, String, u64)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_owned(),
                d["code"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("prompts/a.yaml", "unknown-field", 3),
        ("prompts/b.yaml", "temperature-out-of-range", 4),
        ("prompts/b.yaml", "unused-variable", 8),
        ("prompts/b.yaml", "undeclared-variable", 10),
    ];
    let expected: Vec<(String, String, u64)> = expected
        .iter()
        .map(|(f, c, l)| ((*f).to_owned(), (*c).to_owned(), *l))
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn text_output_is_rustc_style_on_stderr() {
    let dir = project(&[(
        "p/a.yaml",
        &VALID.replace("openai/gpt-4o-mini", "openai/gpt5"),
    )]);
    let (code, stdout, stderr) = run(promptctl(dir.path()).args(["validate", "p"]));
    assert_eq!((code, stdout.as_str()), (1, ""));
    insta::assert_snapshot!(stderr, @r"
    error[unknown-model]: `openai/gpt5` is not in the model catalog
     --> p/a.yaml:3:11
      |
    3 | ai_model: openai/gpt5
      |           ^^^^^^^^^^^
      |
    help: did you mean one of `openai/gpt-5`, `openai/gpt-5.2`, `openai/gpt-4o`?

    1 file checked: 1 error, 0 warnings
    ");
}

#[test]
fn github_format_annotates_and_warnings_alone_pass() {
    let with_unused = VALID.replace(
        "    name: { type: string }\n",
        "    name: { type: string }\n    tone: { type: string }\n",
    );
    let dir = project(&[("prompts/a.yaml", &with_unused)]);
    let (code, stdout, _) = run(promptctl(dir.path()).args(["validate", "--format", "github"]));
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with(
            "::warning file=prompts/a.yaml,line=9,col=5,title=unused-variable::`tone` is declared"
        ),
        "{stdout}"
    );
}

#[test]
fn missing_ai_model_help_names_the_effective_default() {
    let dir = project(&[(
        "prompts/a.yaml",
        &VALID.replace("ai_model: openai/gpt-4o-mini\n", ""),
    )]);
    let (code, stdout, _) = run(promptctl(dir.path())
        .args(["validate", "--format", "json"])
        .env("LLM_MODEL", "openai/gpt-5-mini"));
    assert_eq!(code, 1);
    let diagnostics = serde_json::from_str::<Value>(&stdout).unwrap()["diagnostics"].clone();
    assert_eq!(diagnostics[0]["code"], "missing-ai-model");
    assert!(
        diagnostics[0]["help"]
            .as_str()
            .unwrap()
            .contains("ai_model: openai/gpt-5-mini")
    );
}

#[test]
fn models_json_marks_default_and_fallback_from_env() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, _) = run(promptctl(dir.path())
        .args(["models", "--format", "json"])
        .env("LLM_MODEL", "openai/gpt-5-mini")
        .env("LLM_FALLBACK_MODEL", "anthropic/claude-haiku-4-5"));
    assert_eq!(code, 0);
    let models: Value = serde_json::from_str(&stdout).unwrap();
    let marked = |flag: &str| -> Vec<String> {
        models
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m[flag] == true)
            .map(|m| m["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(marked("default"), ["openai/gpt-5-mini"]);
    assert_eq!(marked("fallback"), ["anthropic/claude-haiku-4-5"]);
    let gpt5 = models
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "openai/gpt-5")
        .unwrap();
    assert_eq!(gpt5["input_cost_per_1m"], 1.25);
    assert_eq!(gpt5["output_cost_per_1m"], 10.0);
}

#[test]
fn models_text_marks_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, _) = run(promptctl(dir.path()).arg("models"));
    assert_eq!(code, 0);
    let default = stdout
        .lines()
        .find(|l| l.starts_with("openai/gpt-5.2 "))
        .unwrap();
    assert!(
        default.contains("1.75") && default.contains("272,000") && default.ends_with("default"),
        "{default}"
    );
    let deprecating = stdout
        .lines()
        .find(|l| l.starts_with("openai/gpt-5 "))
        .unwrap();
    assert!(
        !deprecating.contains('★') && !deprecating.contains("yes"),
        "a deprecating model is not recommended: {deprecating}"
    );
    let sonnet = stdout
        .lines()
        .find(|l| l.starts_with("anthropic/claude-3-sonnet"))
        .unwrap();
    assert!(
        sonnet.contains("retired 2025-07-21 → anthropic/claude-sonnet-4-6"),
        "{sonnet}"
    );
}

#[test]
fn a_default_model_outside_the_catalog_is_refused() {
    let dir = project(&[("promptctl.yaml", "default_model: openai/gpt-6\n")]);
    let (code, _, stderr) = run(promptctl(dir.path()).arg("models"));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("default model `openai/gpt-6` (from"),
        "{stderr}"
    );
}

#[test]
fn committed_schemas_are_current() {
    let (code, _, stderr) = run(promptctl(&repo_root()).args(["schema", "--check", "--all"]));
    assert_eq!(
        code, 0,
        "run `cargo run -- schema --all` and commit schemas/: {stderr}"
    );
}

#[test]
fn a_projects_schemas_are_the_ones_its_editors_use() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).arg("schema"));
    assert_eq!(code, 0, "{stderr}");
    let mut written: Vec<String> = fs_err::read_dir(dir.path().join("schemas"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(
        written,
        [
            "models.schema.json",
            "prompt.schema.json",
            "promptctl.schema.json",
            "usage.schema.json"
        ]
    );
}

#[test]
fn schema_check_reports_a_stale_file_and_schema_rewrites_it() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, _) = run(promptctl(dir.path()).arg("schema"));
    assert_eq!(code, 0);
    fs_err::write(dir.path().join("schemas/prompt.schema.json"), "{}\n").unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).args(["schema", "--check"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("schemas/prompt.schema.json"), "{stderr}");
    let (code, _, _) = run(promptctl(dir.path()).arg("schema"));
    assert_eq!(code, 0);
    let written: Value = serde_json::from_str(
        &fs_err::read_to_string(dir.path().join("schemas/prompt.schema.json")).unwrap(),
    )
    .unwrap();
    assert!(
        written["properties"]["ai_model"]["enum"]
            .as_array()
            .unwrap()
            .len()
            >= 10
    );
}

#[test]
fn a_deprecated_model_warns_naming_its_successor() {
    let catalog = "models:
  - id: acme/old
    name: Old
    provider: acme
    input_cost_per_1m: 1
    output_cost_per_1m: 2
    context_window: 1000
    max_output_tokens: 500
    supports_temperature: true
    tier: mid-range
    deprecated_on: 2020-01-01
    retired_on: 2999-01-01
    successor: openai/gpt-5-mini
";
    let dir = project(&[
        ("models.yaml", catalog),
        (
            "prompts/a.yaml",
            &VALID.replace("openai/gpt-4o-mini", "acme/old"),
        ),
    ]);
    let (code, stdout, stderr) = run(promptctl(dir.path()).args(["validate", "--format", "json"]));
    assert_eq!(code, 0, "{stderr}");
    let diagnostics = serde_json::from_str::<Value>(&stdout).unwrap()["diagnostics"].clone();
    assert_eq!(diagnostics.as_array().unwrap().len(), 1);
    assert_eq!(diagnostics[0]["code"], "deprecated-model");
    assert_eq!(diagnostics[0]["severity"], "warning");
    assert!(
        diagnostics[0]["message"]
            .as_str()
            .unwrap()
            .contains("retires on 2999-01-01")
    );
    assert!(
        diagnostics[0]["help"]
            .as_str()
            .unwrap()
            .contains("openai/gpt-5-mini")
    );
}

#[test]
fn a_missing_prompts_folder_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).arg("validate"));
    assert_eq!(code, 1);
    assert!(stderr.contains("prompts does not exist"), "{stderr}");
    assert!(stderr.contains("0 files checked: 1 error"), "{stderr}");
}

#[test]
fn help_is_stable() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, _) = run(promptctl(dir.path()).arg("--help"));
    assert_eq!(code, 0);
    insta::assert_snapshot!("help", stdout);
    let (_, stdout, _) = run(promptctl(dir.path()).args(["validate", "--help"]));
    insta::assert_snapshot!("validate_help", stdout);
}
