//! The server's prompt cache only ever moves forward: with change sets, their refreshes and
//! the periodic refresh all racing, a client that got a 200 for a change set reads it at once.

use promptctl::store::Store;
use promptctl::store::sqlite::SqliteStore;
use serde_json::{Value, json};

use crate::common::stores::{restoring, start_server_with};

const WRITERS: usize = 4;
const CHANGES: usize = 30;
const MODELS: [&str; 3] = ["openai/gpt-5", "openai/gpt-5-mini", "openai/gpt-4o-mini"];

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn after_every_change_set_a_read_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("store.db"))
        .await
        .unwrap();
    // Enough rows that building the cache takes a while, so refreshes overlap.
    let rows: Vec<Value> = (0..1000)
        .map(|i| {
            json!({"prompt_name": format!("p{i}"), "prompt_version": "v1", "id": format!("row-{i}"),
                   "prompt_template": "x".repeat(500), "ai_model": MODELS[0]})
        })
        .collect();
    let restore = promptctl::formats::export_v1::read_value(Value::Array(rows), 0).unwrap();
    store.restore(&restore, &restoring(false)).await.unwrap();
    let store_id = store.snapshot().await.unwrap().store_id;
    let (url, _stop) = start_server_with(Box::new(store), None, |options| {
        // The periodic refresh runs all the time, racing the ones after each change set.
        options.refresh_interval = std::time::Duration::from_millis(1);
    })
    .await;
    promptctl::store::http::ensure_tls_provider();
    let client = reqwest::Client::new();
    let mut writers = Vec::new();
    for writer in 0..WRITERS {
        let (client, url, store_id) = (client.clone(), url.clone(), store_id.clone());
        writers.push(tokio::spawn(async move {
            let name = format!("p{writer}");
            for change in 0..CHANGES {
                let model = MODELS[(change + 1) % MODELS.len()];
                let set = json!({"store_id": store_id, "actor": "t", "ops": [{"op": "update",
                    "action": "update", "id": format!("row-{writer}"), "expected_row_version": change + 1,
                    "patch": {"ai_model": model}}]});
                let response = client
                    .post(format!("{url}/v1/changesets"))
                    .json(&set)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
                let read: Value = client
                    .get(format!("{url}/v1/prompts/{name}"))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                assert_eq!(
                    read["ai_model"], model,
                    "{name}, change {change}: the read after a 200 went back to an older revision"
                );
            }
        }));
    }
    for writer in writers {
        writer.await.unwrap();
    }
}
