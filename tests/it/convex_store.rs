//! The story's migration, end to end, on its own Convex store: a legacy `ai_prompts` with
//! prompts that have no model, deployed with `integrations/convex/promptctl.ts` (under
//! convex-test, behind the deployment API), driven by the real binary with `--store convex+…`.

use std::path::Path;

use serde_json::{Value, json};

use crate::common::convex::{DEPLOY_KEY, Deployment};
use crate::common::{copy_prompts, promptctl, run};

/// The story's legacy rows as the app left them in Convex: `v.optional` fields absent where
/// the row has none (a missing model is an absent `ai_model`).
async fn legacy_deployment() -> Option<Deployment> {
    let deployment = Deployment::start()?;
    for row in crate::reconcile_cli::legacy_export().as_array().unwrap() {
        let doc: serde_json::Map<String, Value> = row
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        deployment.insert("ai_prompts", Value::Object(doc)).await;
    }
    Some(deployment)
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    fs_err::write(
        dir.path().join("promptctl.yaml"),
        "default_model: openai/gpt-5\n",
    )
    .unwrap();
    dir
}

/// Run promptctl against the deployment; the deploy key must never be printed.
fn cli(dir: &Path, deployment: &Deployment, args: &[&str]) -> (i32, String, String) {
    let (code, stdout, stderr) = run(promptctl(dir)
        .env("CONVEX_DEPLOY_KEY", DEPLOY_KEY)
        .env("PROMPTCTL_STORE", &deployment.url)
        .args(args));
    assert!(
        !stdout.contains("secret-deploy-key") && !stderr.contains("secret-deploy-key"),
        "the deploy key was printed: {stdout}{stderr}"
    );
    (code, stdout, stderr)
}

async fn without_model(deployment: &Deployment) -> usize {
    deployment
        .all("ai_prompts")
        .await
        .iter()
        .filter(|doc| doc.get("ai_model").is_none())
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_story_migration_runs_on_convex_and_refuses_a_stale_plan() {
    let Some(deployment) = legacy_deployment().await else {
        return;
    };
    let dir = project();
    let d = dir.path();
    assert_eq!(without_model(&deployment).await, 17);

    let (code, stdout, stderr) = cli(d, &deployment, &["plan", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        plan["summary"],
        json!({"create": 0, "update": 9, "replace": 0, "backfill": 12, "deactivate": 0})
    );

    // A plan saved, then a change in the dashboard before it is applied: refused as stale,
    // nothing written.
    let (code, _, stderr) = cli(d, &deployment, &["plan", "--out", "plan.json"]);
    assert_eq!(code, 0, "{stderr}");
    let docs = deployment.all("ai_prompts").await;
    let edited = docs
        .iter()
        .find(|doc| {
            doc["prompt_name"] == "generate_mock_incident_data"
                && doc.get("scope").is_none()
                && doc["is_active"] == true
        })
        .unwrap();
    deployment
        .patch(
            edited["_id"].as_str().unwrap(),
            json!({"description": "edited in the dashboard"}),
        )
        .await;
    let (code, _, stderr) = cli(d, &deployment, &["apply", "plan.json"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("stale plan: re-run plan"), "{stderr}");
    assert!(stderr.contains("generate_mock_incident_data"), "{stderr}");
    assert_eq!(without_model(&deployment).await, 17, "nothing written");

    let (code, stdout, stderr) = cli(d, &deployment, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("0 created, 9 updated, 0 replaced, 12 backfilled, 0 deactivated."),
        "{stdout}"
    );
    assert_eq!(without_model(&deployment).await, 0);
    assert_eq!(
        deployment.all("ai_prompts").await.len(),
        21,
        "no row is lost"
    );

    let (code, stdout, _) = cli(d, &deployment, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("No changes."), "{stdout}");

    // The other commands read it as they read SQLite.
    let (code, stdout, stderr) = cli(d, &deployment, &["history", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let history: Value = serde_json::from_str(&stdout).unwrap();
    let backfills = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["change"] == "backfill")
        .count();
    assert_eq!(backfills, 12, "{history}");
    let (code, stdout, stderr) = cli(d, &deployment, &["list", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("openai/gpt-5"), "{stdout}");
    let (code, _, stderr) = cli(d, &deployment, &["status"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = cli(d, &deployment, &["store", "export"]);
    assert_eq!(code, 0, "{stderr}");
    let export: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(export["rows"].as_array().unwrap().len(), 21);
    let elsewhere = tempfile::tempdir().unwrap();
    let (code, _, stderr) = cli(elsewhere.path(), &deployment, &["import"]);
    assert_eq!(code, 0, "{stderr}");
    let written = walkdir::WalkDir::new(elsewhere.path())
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "yaml"))
        .count();
    assert_eq!(written, 9, "import bootstraps git from Convex: {stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_deploy_key_is_refused_without_printing_it() {
    let Some(deployment) = Deployment::start() else {
        return;
    };
    let dir = project();
    let (code, stdout, stderr) = run(promptctl(dir.path())
        .env("CONVEX_DEPLOY_KEY", "prod:test-deployment|not-the-key")
        .env("PROMPTCTL_STORE", &deployment.url)
        .args(["plan"]));
    assert_eq!(code, 1, "{stdout}");
    assert!(stderr.contains("refused the deploy key"), "{stderr}");
    assert!(!stderr.contains("not-the-key") && !stdout.contains("not-the-key"));
    let (code, _, stderr) = run(promptctl(dir.path())
        .env_remove("CONVEX_DEPLOY_KEY")
        .env("PROMPTCTL_STORE", &deployment.url)
        .args(["plan"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("CONVEX_DEPLOY_KEY is not set"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canary_is_refused_on_convex_as_its_table_cannot_hold_one() {
    let Some(deployment) = legacy_deployment().await else {
        return;
    };
    let dir = project();
    let (code, _, stderr) = cli(dir.path(), &deployment, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{stderr}");
    let path = dir
        .path()
        .join("prompts/incidents/generate_mock_incident_data.yaml");
    let text = fs_err::read_to_string(&path).unwrap();
    fs_err::write(
        &path,
        format!("{text}canary:\n  ai_model: openai/gpt-5-mini\n  percent: 10\n"),
    )
    .unwrap();
    let before = deployment.all("ai_prompts").await;
    let (code, _, stderr) = cli(dir.path(), &deployment, &["apply", "--auto-approve"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("no field for a canary"), "{stderr}");
    assert_eq!(deployment.all("ai_prompts").await, before);
}
