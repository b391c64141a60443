//! The rules of record hold on every face: what `validate` refuses, and what a mandatory
//! policy forbids, the console, the API and a restore cannot write either; the rules `apply`
//! publishes are the ones `serve` enforces, and a store that holds none is guarded by the
//! built-in catalog.

use serde_json::{Value, json};

use crate::common::{promptctl, run, small_prompt};
use crate::console::{Client, sign_in};
use crate::serve_process::{Server, tokens};

/// A project of four small prompts and a hard-mandatory tier policy, applied to `store.db`
/// (publishing its rules) and served with an admin token and a read token.
struct Served {
    dir: tempfile::TempDir,
    server: Server,
    admin: String,
    read: String,
}

fn served() -> Served {
    let dir = tempfile::tempdir().unwrap();
    let prompts = dir.path().join("prompts");
    fs_err::create_dir_all(&prompts).unwrap();
    for (name, step, extra) in [
        ("plain", "narrative", ""),
        ("warm", "narrative", "temperature: 0.2\n"),
        ("frugal", "questions", ""),
        ("other", "narrative", ""),
    ] {
        fs_err::write(
            prompts.join(format!("{name}.yaml")),
            small_prompt(name, "openai/gpt-4o-mini", step, extra),
        )
        .unwrap();
    }
    fs_err::write(
        dir.path().join("promptctl.yaml"),
        "policies:\n  - name: questions-cost-effective\n    match: { workflow_step: questions }\n    allowed_tiers: [cost-effective]\n    enforcement: hard-mandatory\n",
    )
    .unwrap();
    let (admin, read) = tokens(dir.path());
    let (code, stdout, stderr) =
        run(promptctl(dir.path()).args(["--store", "sqlite:store.db", "apply", "--auto-approve"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("the rules of record will be published"),
        "the first apply publishes the project's rules: {stdout}"
    );
    let server = Server::start(
        dir.path(),
        &["--database", "sqlite:store.db", "--tokens", "tokens"],
    );
    Served {
        dir,
        server,
        admin,
        read,
    }
}

/// Every active row, by name: `(id, row_version, model)`.
fn rows(served: &Served) -> std::collections::HashMap<String, (String, i64, String)> {
    crate::common::listed_rows(served.dir.path(), "sqlite:store.db")
        .iter()
        .filter(|r| r["is_active"] == true)
        .map(|r| {
            (
                r["prompt_name"].as_str().unwrap().to_owned(),
                (
                    r["id"].as_str().unwrap().to_owned(),
                    r["row_version"].as_i64().unwrap(),
                    r["ai_model"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect()
}

/// What applications are served for `name`.
fn served_model(client: &Client, served: &Served, name: &str) -> String {
    let answer = client.get_bearer(
        &format!("{}/v1/prompts/{name}", served.server.url),
        &served.read,
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    let body: Value = serde_json::from_str(&answer.body).unwrap();
    body["ai_model"].as_str().unwrap().to_owned()
}

#[test]
fn the_console_cannot_write_what_validate_or_a_mandatory_policy_refuses() {
    let served = served();
    let client = Client::new();
    let url = &served.server.url;
    let (cookie, csrf) = sign_in(&client, url, &served.admin);
    let rows = rows(&served);
    let assign = |name: &str, model: &str| {
        let (id, version, _) = &rows[name];
        client.post_json(
            &format!("{url}/console/assign"),
            Some(&cookie),
            Some(&csrf),
            &json!({"model": model, "rows": [{"id": id, "row_version": version}]}),
        )
    };
    let cases = [
        (
            "plain",
            "anthropic/claude-3-sonnet",
            "was retired on 2025-07-21 [retired-model]",
        ),
        (
            "warm",
            "openai/gpt-5",
            "accepts no `temperature` other than its default [temperature-unsupported]",
        ),
        (
            "frugal",
            "openai/gpt-5",
            "policy “questions-cost-effective” (hard-mandatory) forbids it",
        ),
    ];
    for (name, model, said) in cases {
        let answer = assign(name, model);
        assert_eq!(answer.status, 422, "{name} → {model}: {}", answer.body);
        let body: Value = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(body["updated"], 0);
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("rules of record refuse"),
            "{body}"
        );
        let details = body["refusals"].to_string();
        assert!(details.contains(said), "{name} → {model}: {details}");
        assert_eq!(
            served_model(&client, &served, name),
            "openai/gpt-4o-mini",
            "{name} is served as it was"
        );
    }
    // The prompt page's "Change model" form is refused the same way, naming the rule.
    let (id, version, _) = &rows["plain"];
    let version = version.to_string();
    let answer = client.post_form(
        &format!("{url}/prompts/plain/model"),
        Some(&cookie),
        &[
            ("_csrf", csrf.as_str()),
            ("id", id.as_str()),
            ("row_version", version.as_str()),
            ("model", "anthropic/claude-3-sonnet"),
        ],
    );
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert!(answer.body.contains("retired-model"), "{}", answer.body);
    // What the rules allow goes through.
    let answer = assign("other", "openai/gpt-5-mini");
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(served_model(&client, &served, "other"), "openai/gpt-5-mini");
}

#[test]
fn the_api_refuses_the_same_with_every_rule_named() {
    let served = served();
    let client = Client::new();
    let url = &served.server.url;
    let rows = rows(&served);
    let store_id = {
        let answer = client.get_bearer(&format!("{url}/v1/snapshot"), &served.read);
        let body: Value = serde_json::from_str(&answer.body).unwrap();
        body["store_id"].as_str().unwrap().to_owned()
    };
    let update = |name: &str, model: &str| {
        let (id, version, _) = &rows[name];
        json!({"op": "update", "action": "update", "id": id, "expected_row_version": version,
               "patch": {"ai_model": model}})
    };
    let body = json!({
        "store_id": store_id, "actor": "attacker",
        "ops": [update("plain", "anthropic/claude-3-sonnet"), update("warm", "openai/gpt-5"),
                update("frugal", "openai/gpt-5"),
                {"op": "insert", "action": "create", "row": {
                    "prompt_name": "../../evil", "prompt_version": "v1", "prompt_template": "Hi.",
                    "ai_model": "openai/gpt-4o-mini", "is_active": true,
                    "description": null, "input_schema": null, "output_schema": null,
                    "workflow_step": null, "subsystem": null, "max_tokens": null, "temperature": null}}]
    });
    let answer = client.send(
        client
            .raw()
            .post(format!("{url}/v1/changesets"))
            .bearer_auth(&served.admin)
            .json(&body),
    );
    assert_eq!(answer.status, 422, "{}", answer.body);
    let error: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(error["error"]["code"], "refused");
    let codes: Vec<&str> = error["error"]["refusals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    for code in [
        "retired-model",
        "temperature-unsupported",
        "policy-violation",
        "invalid-prompt-name",
    ] {
        assert!(codes.contains(&code), "{code}: {codes:?}");
    }
    let policy = error["error"]["refusals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "policy-violation")
        .unwrap();
    assert_eq!(policy["policy"], "questions-cost-effective");
    assert_eq!(policy["enforcement"], "hard-mandatory");
    // Nothing was written.
    let after = self::rows(&served);
    assert_eq!(after, rows);
}

#[test]
fn serve_enforces_the_rules_apply_published_and_history_shows_them() {
    let served = served();
    let client = Client::new();
    let answer = client.get_bearer(&format!("{}/v1/rules", served.server.url), &served.read);
    assert_eq!(answer.status, 200, "{}", answer.body);
    let rules: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(
        rules["rules"]["policies"][0]["name"],
        "questions-cost-effective"
    );
    assert_eq!(rules["revision"], 1);
    let (code, stdout, stderr) =
        run(promptctl(served.dir.path()).args(["--store", "sqlite:store.db", "history"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("rules"), "{stdout}");
    // A change of the rules alone shows in the plan, and applies.
    fs_err::write(
        served.dir.path().join("promptctl.yaml"),
        "policies:\n  - name: questions-cost-effective\n    match: { workflow_step: questions }\n    allowed_tiers: [cost-effective, mid-range]\n    enforcement: hard-mandatory\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run(promptctl(served.dir.path()).args([
        "--store",
        "sqlite:store.db",
        "plan",
        "--detailed-exitcode",
    ]));
    assert_eq!(code, 2, "the rules alone are a change: {stdout}{stderr}");
    assert!(
        stdout.contains("~ policy questions-cost-effective"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Plan: 0 to create, 0 to update"),
        "{stdout}"
    );
}

#[test]
fn a_store_with_no_published_rules_is_guarded_by_the_built_in_catalog() {
    // A new store, filled through the API by a client that publishes no rules.
    let dir = tempfile::tempdir().unwrap();
    let (admin, read) = tokens(dir.path());
    let server = Server::start(
        dir.path(),
        &["--database", "sqlite:store.db", "--tokens", "tokens"],
    );
    let client = Client::new();
    let restore = json!({"restore": [{"prompt_name": "old", "prompt_version": "v1",
                                      "prompt_template": "Hi.", "ai_model": "openai/gpt-4o-mini"}]});
    let answer = client.send(
        client
            .raw()
            .post(format!("{}/v1/restore", server.url))
            .bearer_auth(&admin)
            .json(&restore),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    let rules = client.get_bearer(&format!("{}/v1/rules", server.url), &read);
    assert_eq!(rules.status, 404, "{}", rules.body);
    assert!(rules.body.contains("built-in catalog"), "{}", rules.body);
    let (cookie, csrf) = sign_in(&client, &server.url, &admin);
    let snapshot: Value = serde_json::from_str(
        &client
            .get_bearer(&format!("{}/v1/snapshot", server.url), &read)
            .body,
    )
    .unwrap();
    let row = &snapshot["rows"][0];
    let selected = json!([{"id": row["id"], "row_version": row["row_version"]}]);
    let answer = client.post_json(
        &format!("{}/console/assign", server.url),
        Some(&cookie),
        Some(&csrf),
        &json!({"model": "acme/made-up", "rows": selected}),
    );
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert!(answer.body.contains("unknown-model"), "{}", answer.body);
    let answer = client.post_json(
        &format!("{}/console/assign", server.url),
        Some(&cookie),
        Some(&csrf),
        &json!({"model": "anthropic/claude-3-sonnet", "rows": selected}),
    );
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert!(answer.body.contains("retired-model"), "{}", answer.body);
}

#[test]
fn a_restore_is_refused_for_the_catalog_and_warned_for_a_policy() {
    let served = served();
    drop(served.server);
    let dir = served.dir.path();
    let legacy = |model: &str, name: &str| {
        json!({"prompt_name": name, "prompt_version": "v1", "prompt_template": "Hi.",
               "ai_model": model, "workflow_step": "questions"})
    };
    let restore = |rows: Value| {
        fs_err::write(dir.join("rows.json"), rows.to_string()).unwrap();
        run(promptctl(dir).args([
            "--store",
            "sqlite:store.db",
            "store",
            "restore",
            "rows.json",
            "--force",
        ]))
    };
    // A retired model on an active row: refused, as a change set would be.
    let (code, _, stderr) = restore(json!([legacy("anthropic/claude-3-sonnet", "a")]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("[retired-model]"), "{stderr}");
    // A premium model where the policy wants cost-effective: restored, with a warning.
    let (code, _, stderr) = restore(json!([legacy("openai/gpt-5", "b")]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("questions-cost-effective"),
        "the restore says which policy the row breaks: {stderr}"
    );
}
