//! Canaries: checked by validate like `ai_model`, planned (`canary: none → MODEL at 10%`, then
//! `10% → 50%`), applied to SQLite and PostgreSQL through a server, answered per subject by
//! the published split — the same on every request and on two replicas — kept by export and
//! restore, written back by import, priced at its share by `cost`.

use std::process::Command;

use serde_json::Value;

use crate::common::stores::{TestDatabase, postgres_url};
use crate::common::{promptctl, run};
use crate::serve_process::{Server, tokens};

const PROMPT: &str = "prompt_name: narrative\nprompt_version: v1\nai_model: openai/gpt-5\nsubsystem: incidents\nprompt_template: |\n  Rewrite the narrative.\n";

fn with_canary(model: &str, percent: &str) -> String {
    PROMPT.replace(
        "prompt_template",
        &format!("canary:\n  ai_model: {model}\n  percent: {percent}\nprompt_template"),
    )
}

fn get(url: &str, token: &str) -> Value {
    let output = Command::new("curl")
        .args(["-s", "-H", &format!("Authorization: Bearer {token}"), url])
        .output()
        .unwrap();
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{url}: {e}: {}", String::from_utf8_lossy(&output.stdout)))
}

#[test]
fn validate_holds_the_canary_to_what_ai_model_is_held_to() {
    let dir = tempfile::tempdir().unwrap();
    let prompts = dir.path().join("prompts");
    fs_err::create_dir_all(&prompts).unwrap();
    for (file, text) in [
        (
            "unknown.yaml",
            with_canary("openai/gpt5", "10").replace("narrative", "unknown"),
        ),
        (
            "retired.yaml",
            with_canary("anthropic/claude-3-sonnet", "10").replace("narrative", "retired"),
        ),
        (
            "same.yaml",
            with_canary("openai/gpt-5", "10").replace("narrative", "same"),
        ),
        (
            "share.yaml",
            with_canary("openai/gpt-5.2", "100").replace("narrative", "share"),
        ),
        (
            "temperature.yaml",
            with_canary("openai/gpt-5.2", "10")
                .replace("narrative", "temperature")
                .replace(
                    "ai_model: openai/gpt-5\n",
                    "ai_model: openai/gpt-4o\ntemperature: 0.2\n",
                ),
        ),
    ] {
        fs_err::write(prompts.join(file), text).unwrap();
    }
    let (code, stdout, stderr) = run(promptctl(dir.path()).args(["validate", "--format", "json"]));
    assert_eq!(code, 1, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let found: Vec<(String, String, u64)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| {
            (
                d["file"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_owned(),
                d["code"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    for expected in [
        ("unknown.yaml", "unknown-model", 6),
        ("retired.yaml", "retired-model", 6),
        ("same.yaml", "invalid-value", 6),
        ("share.yaml", "invalid-value", 7),
        ("temperature.yaml", "temperature-unsupported", 4),
    ] {
        assert!(
            found.contains(&(expected.0.to_owned(), expected.1.to_owned(), expected.2)),
            "{expected:?} in {found:?}"
        );
    }
}

/// validate → plan → apply → API, through a server on `database`.
fn lifecycle(database: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (admin, read) = tokens(dir.path());
    let server = Server::start(dir.path(), &["--database", database, "--tokens", "tokens"]);
    let prompts = dir.path().join("prompts");
    fs_err::create_dir_all(&prompts).unwrap();
    let file = prompts.join("narrative.yaml");
    fs_err::write(&file, PROMPT).unwrap();
    let cli = |args: &[&str]| {
        run(promptctl(dir.path())
            .args(["--store", &server.url])
            .args(args)
            .env("PROMPTCTL_TOKEN", &admin))
    };
    let (code, _, stderr) = cli(&["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{stderr}");

    fs_err::write(&file, with_canary("openai/gpt-5.2", "10")).unwrap();
    let (code, plan, stderr) = cli(&["plan"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        plan.contains("canary: none → openai/gpt-5.2 at 10%"),
        "{plan}"
    );
    let (code, _, stderr) = cli(&["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{stderr}");

    let url = format!("{}/v1/prompts/narrative", server.url);
    let plain = get(&url, &read);
    assert_eq!(plain["ai_model"], "openai/gpt-5");
    assert_eq!(plain["canary"]["ai_model"], "openai/gpt-5.2");
    assert_eq!(plain["canary"]["percent"], 10.0);
    assert!(plain.get("variant").is_none());
    for subject in (0..60).map(|i| format!("user-{i}")) {
        let answer = get(&format!("{url}?subject={subject}"), &read);
        let arm = promptctl::canary::arm("narrative", &subject, 10.0);
        assert_eq!(answer["variant"], arm.as_str(), "{subject}");
        let model = match arm {
            promptctl::canary::Arm::Canary => "openai/gpt-5.2",
            promptctl::canary::Arm::Stable => "openai/gpt-5",
        };
        assert_eq!(answer["ai_model"], model, "{subject}");
        assert_eq!(
            get(&format!("{url}?subject={subject}"), &read),
            answer,
            "the same every time"
        );
    }

    fs_err::write(&file, with_canary("openai/gpt-5.2", "50")).unwrap();
    let (_, plan, _) = cli(&["plan"]);
    assert!(plan.contains("canary: 10% → 50%"), "{plan}");
    let (code, _, stderr) = cli(&["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(get(&url, &read)["canary"]["percent"], 50.0);

    // Promote: the file takes the canary's model, the canary goes.
    fs_err::write(&file, PROMPT.replace("openai/gpt-5\n", "openai/gpt-5.2\n")).unwrap();
    let (_, plan, _) = cli(&["plan"]);
    assert!(plan.contains(": openai/gpt-5.2 at 50% → none"), "{plan}");
    let (code, _, stderr) = cli(&["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{stderr}");
    let promoted = get(&url, &read);
    assert_eq!(promoted["ai_model"], "openai/gpt-5.2");
    assert!(promoted.get("canary").is_none(), "{promoted}");
    let (_, history, _) = cli(&["history", "narrative"]);
    assert!(history.contains("canary_percent: 10.0 → 50.0"), "{history}");
}

#[test]
fn a_canary_through_a_server_on_sqlite() {
    lifecycle("sqlite:served.db");
}

#[test]
fn a_canary_through_a_server_on_postgresql() {
    let Some(admin) = postgres_url() else { return };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let database = runtime.block_on(TestDatabase::create(&admin));
    lifecycle(&database.url);
}

#[test]
fn two_replicas_put_every_subject_on_the_same_arm() {
    let Some(admin) = postgres_url() else { return };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let database = runtime.block_on(TestDatabase::create(&admin));
    let dir = tempfile::tempdir().unwrap();
    let (admin_token, read) = tokens(dir.path());
    let prompts = dir.path().join("prompts");
    fs_err::create_dir_all(&prompts).unwrap();
    fs_err::write(
        prompts.join("narrative.yaml"),
        with_canary("openai/gpt-5.2", "25"),
    )
    .unwrap();
    let (code, _, stderr) = run(promptctl(dir.path())
        .args(["--store", &database.url, "apply", "--auto-approve"])
        .env("PROMPTCTL_TOKEN", &admin_token));
    assert_eq!(code, 0, "{stderr}");
    let args = ["--database", database.url.as_str(), "--tokens", "tokens"];
    let (one, two) = (
        Server::start(dir.path(), &args),
        Server::start(dir.path(), &args),
    );
    let mut canary = 0;
    for subject in (0..200).map(|i| format!("s{i}")) {
        let path = format!("/v1/prompts/narrative?subject={subject}");
        let (a, b) = (
            get(&format!("{}{path}", one.url), &read),
            get(&format!("{}{path}", two.url), &read),
        );
        assert_eq!(a["variant"], b["variant"], "{subject}");
        if a["variant"] == "canary" {
            canary += 1;
        }
    }
    assert!(
        (30..=70).contains(&canary),
        "about a quarter of 200: {canary}"
    );
}

#[test]
fn export_restore_and_import_keep_the_canary_and_cost_prices_its_share() {
    let dir = tempfile::tempdir().unwrap();
    let prompts = dir.path().join("prompts");
    fs_err::create_dir_all(&prompts).unwrap();
    fs_err::write(
        prompts.join("narrative.yaml"),
        with_canary("openai/gpt-5.2", "10"),
    )
    .unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).args(["apply", "--auto-approve"]));
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) =
        run(promptctl(dir.path()).args(["store", "export", "--out", "export.json"]));
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(promptctl(dir.path()).args([
        "--store",
        "sqlite:copy.db",
        "store",
        "restore",
        "export.json",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let (_, listed, _) =
        run(promptctl(dir.path()).args(["--store", "sqlite:copy.db", "list", "--format", "json"]));
    let listed: Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(listed[0]["canary_model"], "openai/gpt-5.2");
    assert_eq!(listed[0]["canary_percent"], 10.0);

    fs_err::remove_file(prompts.join("narrative.yaml")).unwrap();
    let (code, _, stderr) =
        run(promptctl(dir.path()).args(["--store", "sqlite:copy.db", "import"]));
    assert_eq!(code, 0, "{stderr}");
    let written = fs_err::read_to_string(prompts.join("incidents/narrative.yaml")).unwrap();
    assert!(
        written.contains("canary:\n  ai_model: \"openai/gpt-5.2\"\n  percent: 10.0\n"),
        "{written}"
    );
    let (code, plan, _) = run(promptctl(dir.path()).args(["--store", "sqlite:copy.db", "plan"]));
    assert_eq!(code, 0);
    assert!(plan.contains("No changes"), "{plan}");

    // 100 requests of 1,000 in and 1,000 out: gpt-5 100 × (1,000 × 1.25 + 1,000 × 10) / 1M =
    // $1.125, gpt-5.2 100 × (1,000 × 1.75 + 1,000 × 14) / 1M = $1.575; 10% on the canary:
    // 0.9 × 1.125 + 0.1 × 1.575 = $1.17.
    fs_err::write(
        dir.path().join("usage.yaml"),
        "usage:\n  - prompt: narrative\n    requests_per_month: 100\n    input_tokens: 1000\n    output_tokens: 1000\n",
    )
    .unwrap();
    let (code, cost, stderr) = run(promptctl(dir.path()).args(["cost", "--format", "json"]));
    assert_eq!(code, 0, "{stderr}");
    let cost: Value = serde_json::from_str(&cost).unwrap();
    assert_eq!(cost["total_monthly_usd"], 1.17);
}

#[test]
fn the_server_counts_reads_per_arm_and_cost_observed_prices_them() {
    let dir = tempfile::tempdir().unwrap();
    let (admin, read) = tokens(dir.path());
    let server = Server::start(
        dir.path(),
        &["--database", "sqlite:served.db", "--tokens", "tokens"],
    );
    let prompts = dir.path().join("prompts");
    fs_err::create_dir_all(&prompts).unwrap();
    fs_err::write(
        prompts.join("narrative.yaml"),
        with_canary("openai/gpt-5.2", "50"),
    )
    .unwrap();
    let (code, _, stderr) = run(promptctl(dir.path())
        .args(["--store", &server.url, "apply", "--auto-approve"])
        .env("PROMPTCTL_TOKEN", &admin));
    assert_eq!(code, 0, "{stderr}");
    let url = format!("{}/v1/prompts/narrative", server.url);
    let mut canary = 0;
    for i in 0..40 {
        let subject = format!("s{i}");
        get(&format!("{url}?subject={subject}"), &read);
        if promptctl::canary::arm("narrative", &subject, 50.0) == promptctl::canary::Arm::Canary {
            canary += 1;
        }
    }
    get(&url, &read);
    let usage = get(&format!("{}/v1/usage", server.url), &read);
    let counted = &usage["prompts"][0];
    assert_eq!(counted["prompt_name"], "narrative");
    assert_eq!(counted["requests"], 41);
    assert_eq!(counted["canary"], canary);
    assert_eq!(counted["stable"], 41 - canary);

    fs_err::write(
        dir.path().join("usage.yaml"),
        "usage:\n  - prompt: narrative\n    requests_per_month: 1\n    input_tokens: 1000\n    output_tokens: 1000\n",
    )
    .unwrap();
    let (code, json, stderr) = run(promptctl(dir.path())
        .args([
            "--store",
            &server.url,
            "cost",
            "--observed",
            "--format",
            "json",
        ])
        .env("PROMPTCTL_TOKEN", &read));
    assert_eq!(code, 0, "{stderr}");
    let cost: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(cost["observed"], true);
    let requests = cost["prompts"][0]["requests_per_month"].as_f64().unwrap();
    // 41 reads in the seconds the server has run: a month at that rate is far more than 1.
    assert!(requests > 10_000.0, "{requests}");
    let (code, _, stderr) = run(promptctl(dir.path()).args(["cost", "--observed"]));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("--observed reads the request counts of a promptctl server"),
        "{stderr}"
    );
}

#[test]
fn a_plan_prices_the_canary_at_its_share() {
    // 1,000 requests of 1,000 in and 1,000 out: gpt-5 1,000 × (1,000 × 1.25 + 1,000 × 10) / 1M =
    // $11.25, gpt-5.2 1,000 × (1,000 × 1.75 + 1,000 × 14) / 1M = $15.75; 10% on gpt-5.2:
    // 0.9 × 11.25 + 0.1 × 15.75 = $11.70, +$0.45, +4%.
    let dir = tempfile::tempdir().unwrap();
    let prompts = dir.path().join("prompts");
    fs_err::create_dir_all(&prompts).unwrap();
    let file = prompts.join("narrative.yaml");
    fs_err::write(&file, PROMPT).unwrap();
    fs_err::write(
        dir.path().join("usage.yaml"),
        "usage:\n  - prompt: narrative\n    requests_per_month: 1000\n    input_tokens: 1000\n    output_tokens: 1000\n",
    )
    .unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).args(["apply", "--auto-approve"]));
    assert_eq!(code, 0, "{stderr}");
    fs_err::write(&file, with_canary("openai/gpt-5.2", "10")).unwrap();
    let (code, plan, stderr) = run(promptctl(dir.path()).arg("plan"));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        plan.contains("monthly cost: $11.25 → $11.70 (+$0.45, +4.0%)"),
        "{plan}"
    );
    assert!(
        plan.contains("Monthly cost (prompts in usage.yaml): $11.25 → $11.70"),
        "{plan}"
    );
}

#[test]
fn the_api_cannot_write_a_canary_validate_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let (admin, _) = tokens(dir.path());
    let server = Server::start(
        dir.path(),
        &["--database", "sqlite:served.db", "--tokens", "tokens"],
    );
    let prompts = dir.path().join("prompts");
    fs_err::create_dir_all(&prompts).unwrap();
    fs_err::write(prompts.join("narrative.yaml"), PROMPT).unwrap();
    let (code, _, stderr) = run(promptctl(dir.path())
        .args(["--store", &server.url, "apply", "--auto-approve"])
        .env("PROMPTCTL_TOKEN", &admin));
    assert_eq!(code, 0, "{stderr}");
    let snapshot = get(&format!("{}/v1/snapshot", server.url), &admin);
    let row = &snapshot["rows"][0];
    let post = |patch: Value| {
        let body = serde_json::json!({"store_id": snapshot["store_id"], "actor": "attacker", "ops": [{
            "op": "update", "action": "update", "id": row["id"],
            "expected_row_version": row["row_version"], "patch": patch}]});
        let output = Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST"])
            .args(["-H", &format!("Authorization: Bearer {admin}")])
            .args([
                "-H",
                "Content-Type: application/json",
                "--data",
                &body.to_string(),
            ])
            .arg(format!("{}/v1/changesets", server.url))
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    // A retired model as the canary, a canary without its share, a share of 100%.
    for patch in [
        serde_json::json!({"canary_model": "anthropic/claude-3-sonnet", "canary_percent": 10.0}),
        serde_json::json!({"canary_model": "openai/gpt-5.2"}),
        serde_json::json!({"canary_model": "openai/gpt-5.2", "canary_percent": 100.0}),
    ] {
        assert_eq!(post(patch.clone()), "422", "{patch}");
    }
    let after = get(&format!("{}/v1/prompts/narrative", server.url), &admin);
    assert!(
        after.get("canary").is_none(),
        "nothing was written: {after}"
    );
}
