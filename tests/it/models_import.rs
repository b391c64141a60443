//! `promptctl models import --litellm`: LiteLLM's model data into a project's models.yaml.
//! The fixture is cut from the real file (`litellm` 1.110.2); the real file itself is imported
//! where the `litellm` package is installed.

use std::path::PathBuf;
use std::process::Command;

use crate::common::{promptctl, repo_root, run};

fn fixture() -> PathBuf {
    repo_root().join("tests/fixtures/litellm/model_prices_cut.json")
}

#[test]
fn imports_prices_limits_and_dates_and_a_second_run_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(promptctl(dir.path())
        .args(["models", "import", "--litellm"])
        .arg(fixture()));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("Wrote models.yaml"), "{stderr}");
    assert!(
        stderr.contains("entries skipped"),
        "the id with two slashes: {stderr}"
    );
    let written = fs_err::read_to_string(dir.path().join("models.yaml")).unwrap();
    assert!(written.contains("source: \"LiteLLM model data (model_prices_cut.json)\""));

    let (code, stdout, _) = run(promptctl(dir.path()).args(["models", "--format", "json"]));
    assert_eq!(code, 0);
    let models: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let gpt5 = models
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "openai/gpt-5")
        .unwrap();
    assert_eq!(gpt5["deprecated_on"], "2026-12-11", "{gpt5}");
    assert_eq!(gpt5["tier"], "premium");
    assert_eq!(
        gpt5["recommended"], false,
        "a model with a deprecation date is not recommended, whatever its flag"
    );
    let in_file = written
        .split("- id: ")
        .find(|entry| entry.starts_with("\"openai/gpt-5\"\n"))
        .unwrap();
    assert!(
        in_file.contains("recommended: true"),
        "the built-in catalog's flag is kept in the file: {in_file}"
    );
    assert!(
        models
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["id"] != "openai/text-embedding-3-small"),
        "only chat models"
    );

    let (code, _, stderr) = run(promptctl(dir.path())
        .args(["models", "import", "--litellm"])
        .arg(fixture()));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("up to date"), "{stderr}");
    assert_eq!(
        fs_err::read_to_string(dir.path().join("models.yaml")).unwrap(),
        written,
        "byte for byte"
    );
}

#[test]
fn the_files_own_fields_survive_a_reimport() {
    let dir = tempfile::tempdir().unwrap();
    run(promptctl(dir.path())
        .args(["models", "import", "--litellm"])
        .arg(fixture()));
    let path = dir.path().join("models.yaml");
    let text = fs_err::read_to_string(&path).unwrap();
    // The team renames claude-haiku-4-5 and names its own successor for gpt-4o (in place of
    // the built-in one the first import took).
    let gpt4o = text
        .find("  - id: \"openai/gpt-4o\"\n")
        .expect("gpt-4o imported");
    let edited = text[..gpt4o].replacen(
        "id: \"anthropic/claude-haiku-4-5\"\n    name: \"Claude Haiku 4.5\"",
        "id: \"anthropic/claude-haiku-4-5\"\n    name: \"Haiku (team)\"",
        1,
    ) + &text[gpt4o..].replacen(
        "successor: \"openai/gpt-5.4-mini\"",
        "successor: \"openai/gpt-5\"",
        1,
    );
    assert_ne!(edited, text, "the fixture has both models");
    fs_err::write(&path, &edited).unwrap();
    // LiteLLM's price moves.
    let data = fs_err::read_to_string(fixture()).unwrap().replace(
        "\"output_cost_per_token\": 5e-06",
        "\"output_cost_per_token\": 6e-06",
    );
    let changed = dir.path().join("litellm.json");
    fs_err::write(&changed, data).unwrap();
    let (code, _, stderr) = run(promptctl(dir.path())
        .args(["models", "import", "--litellm"])
        .arg(&changed));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("~ anthropic/claude-haiku-4-5"), "{stderr}");
    let after = fs_err::read_to_string(&path).unwrap();
    assert!(after.contains("name: \"Haiku (team)\""), "{after}");
    assert!(after.contains("successor: \"openai/gpt-5\""), "{after}");
    assert!(after.contains("output_cost_per_1m: 6\n"), "{after}");
}

#[test]
fn a_file_that_is_not_litellms_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    fs_err::write(&bad, "[1, 2, 3]").unwrap();
    let (code, _, stderr) = run(promptctl(dir.path())
        .args(["models", "import", "--litellm"])
        .arg(&bad));
    assert_eq!(code, 1);
    assert!(stderr.contains("not LiteLLM's model data"), "{stderr}");
    assert!(!dir.path().join("models.yaml").exists());
}

#[test]
fn the_real_litellm_file_imports_where_the_package_is_installed() {
    let found = Command::new("python3")
        .args([
            "-c",
            "import litellm, os; print(os.path.join(os.path.dirname(litellm.__file__), 'model_prices_and_context_window_backup.json'))",
        ])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let Some(file) = found.filter(|f| f.is_file()) else {
        eprintln!("skipped: the litellm Python package is not installed (pip install litellm)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(promptctl(dir.path())
        .args(["models", "import", "--litellm"])
        .arg(&file));
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(promptctl(dir.path()).args(["models"]));
    assert_eq!(code, 0, "the result loads as a catalog: {stderr}");
}
