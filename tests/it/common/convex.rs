//! A Convex deployment for tests: `integrations/convex/promptctl.ts` running under convex-test
//! (Convex's own harness) with the story's schema, behind the small Node shim that answers the
//! deployment API's routes (`integrations/convex/test/shim.ts`). Node packages come from the
//! committed lockfile, installed by `.ci/run` under target/convex-harness/.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

/// The deploy key the shim is started with.
pub const DEPLOY_KEY: &str = "prod:test-deployment|secret-deploy-key-0123456789";

/// A running deployment; stopped when dropped.
pub struct Deployment {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// `convex+http://127.0.0.1:PORT`, for `--store`.
    pub url: String,
    _dir: tempfile::TempDir,
}

fn harness() -> PathBuf {
    crate::common::repo_root().join("target/convex-harness")
}

impl Deployment {
    /// A fresh deployment, or `None` (the reason printed) where convex-test is not installed.
    /// Under CI it must be.
    pub fn start() -> Option<Deployment> {
        let harness = harness();
        let tsx = harness.join("node_modules/.bin/tsx");
        if !harness.join("node_modules/convex-test").is_dir() || !tsx.exists() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but convex-test is not installed under target/convex-harness (.ci/run installs it)"
            );
            eprintln!(
                "skipped: convex-test is not installed; run `npm ci --prefix target/convex-harness` after copying integrations/convex/test/package*.json there"
            );
            return None;
        }
        let runs = harness.join("runs");
        fs_err::create_dir_all(&runs).unwrap();
        let dir = tempfile::tempdir_in(&runs).unwrap();
        let source = crate::common::repo_root().join("integrations/convex");
        let copy = |from: &Path, to: &str| {
            let to = dir.path().join(to);
            fs_err::create_dir_all(to.parent().unwrap()).unwrap();
            fs_err::copy(from, to).unwrap();
        };
        copy(&source.join("test/shim.ts"), "shim.ts");
        copy(&source.join("test/convex/schema.ts"), "convex/schema.ts");
        copy(
            &source.join("test/convex/_generated/server.ts"),
            "convex/_generated/server.ts",
        );
        // The module deployed as a team deploys it: copied into convex/.
        copy(&source.join("promptctl.ts"), "convex/promptctl.ts");
        let mut child = Command::new(&tsx)
            .arg("shim.ts")
            .current_dir(dir.path())
            .env("CONVEX_SHIM_DEPLOY_KEY", DEPLOY_KEY)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the Convex shim");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("the Convex shim said {line:?}"));
        let base = format!("http://127.0.0.1:{port}");
        Some(Deployment {
            child,
            url: format!("convex+{base}"),
            base,
            _dir: dir,
        })
    }

    /// The store, opened as the CLI opens it, with the deploy key.
    pub fn store(&self) -> promptctl::store::convex::ConvexStore {
        promptctl::store::convex::ConvexStore::new(&self.url, &|name| {
            (name == "CONVEX_DEPLOY_KEY").then(|| DEPLOY_KEY.to_owned())
        })
        .unwrap()
    }

    async fn post(&self, route: &str, body: Value) -> Value {
        promptctl::store::http::ensure_tls_provider();
        let response = reqwest::Client::new()
            .post(format!("{}{route}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{route}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    /// Insert a document as the team's app (or its dashboard) does, bypassing promptctl.
    pub async fn insert(&self, table: &str, doc: Value) -> String {
        self.post("/_test/insert", json!({ "table": table, "doc": doc }))
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Patch a document as the dashboard does.
    pub async fn patch(&self, id: &str, fields: Value) {
        self.post("/_test/patch", json!({ "id": id, "fields": fields }))
            .await;
    }

    /// Every document of `table`.
    pub async fn all(&self, table: &str) -> Vec<Value> {
        serde_json::from_value(self.post("/_test/all", json!({ "table": table })).await).unwrap()
    }
}

impl Drop for Deployment {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
