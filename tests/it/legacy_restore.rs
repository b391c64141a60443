//! Bringing in a legacy export: every bad row is reported in one run, by row number and field;
//! rows on a model the catalog no longer has are refused with a `--map-model` to try, and
//! restore with it.

use serde_json::json;

use crate::common::{listed_rows, promptctl, run};

fn legacy_file(dir: &std::path::Path) {
    let rows = json!([
        {"prompt_name": "good", "prompt_version": "v1", "prompt_template": "Hi", "ai_model": "openai/gpt-5"},
        {"prompt_name": "old_model", "prompt_version": "v1", "prompt_template": "Hi", "ai_model": "openai/gpt-3.5-turbo"},
        {"prompt_name": "Bad Name", "prompt_version": "v1", "prompt_template": "Hi"},
        {"prompt_name": "badscope", "prompt_version": "v1", "prompt_template": "Hi", "scope": "staging"},
        {"prompt_name": "no_model", "prompt_version": "v1", "prompt_template": "Hi"},
        {"prompt_name": "another_old", "prompt_version": "v2", "prompt_template": "Hi", "ai_model": "openai/gpt-3.5-turbo"}
    ]);
    fs_err::write(dir.join("legacy.json"), rows.to_string()).unwrap();
}

#[test]
fn every_bad_row_is_reported_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    legacy_file(dir.path());
    let (code, _, stderr) = run(promptctl(dir.path()).args(["store", "restore", "legacy.json"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("4 of its rows cannot be restored"),
        "{stderr}"
    );
    let row_lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("  - row "))
        .collect();
    let rows: Vec<&str> = row_lines
        .iter()
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(
        rows,
        ["  - row 2", "  - row 3", "  - row 4", "  - row 6"],
        "{stderr}"
    );
    assert!(stderr.contains("row 4, field `scope`"), "{stderr}");
    assert!(stderr.contains("row 3, field `prompt_name`"), "{stderr}");
    assert!(
        stderr.contains("--map-model openai/gpt-3.5-turbo="),
        "the flag is suggested: {stderr}"
    );
    assert!(!dir.path().join(".promptctl").exists(), "no store was made");
}

#[test]
fn map_model_moves_legacy_rows_to_a_model_of_the_catalog() {
    let dir = tempfile::tempdir().unwrap();
    legacy_file(dir.path());
    // The rows that cannot be mapped are dropped from the file for this run.
    let mut rows: Vec<serde_json::Value> =
        serde_json::from_str(&fs_err::read_to_string(dir.path().join("legacy.json")).unwrap())
            .unwrap();
    rows.retain(|r| r["prompt_name"] != "Bad Name" && r["prompt_name"] != "badscope");
    fs_err::write(dir.path().join("legacy.json"), json!(rows).to_string()).unwrap();

    let (code, _, stderr) = run(promptctl(dir.path()).args([
        "store",
        "restore",
        "legacy.json",
        "--map-model",
        "openai/gpt-3.5-turbo=nope/unknown",
    ]));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("`nope/unknown` is not a model the catalog takes"),
        "{stderr}"
    );

    let (code, _, stderr) = run(promptctl(dir.path()).args([
        "store",
        "restore",
        "legacy.json",
        "--map-model",
        "openai/gpt-3.5-turbo=openai/gpt-5-mini",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("Mapped 2 rows from openai/gpt-3.5-turbo to openai/gpt-5-mini"),
        "{stderr}"
    );
    let listed = listed_rows(dir.path(), "sqlite:.promptctl/store.db");
    let model_of = |name: &str| {
        listed
            .iter()
            .find(|r| r["prompt_name"] == name)
            .map(|r| r["ai_model"].clone())
            .unwrap()
    };
    assert_eq!(model_of("old_model"), "openai/gpt-5-mini");
    assert_eq!(model_of("another_old"), "openai/gpt-5-mini");
    assert_eq!(
        model_of("no_model"),
        serde_json::Value::Null,
        "left for the backfill"
    );
}

#[test]
fn a_malformed_mapping_says_what_it_takes() {
    let dir = tempfile::tempdir().unwrap();
    legacy_file(dir.path());
    let (code, _, stderr) = run(promptctl(dir.path()).args([
        "store",
        "restore",
        "legacy.json",
        "--map-model",
        "openai/gpt-3.5-turbo",
    ]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("is not OLD=NEW"), "{stderr}");
}
