//! The console in a real browser: Debian's Chromium, headless, driven through chromedriver
//! (WebDriver) by fantoccini. Elements are found by their accessible names, as a person (or a
//! screen reader) finds them. Screenshots of each page land in `target/console-screens/`.
//!
//! Without chromium and chromedriver the tests print why and pass; under `CI=true` a missing
//! browser fails them (`.ci/run` installs both).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::console::{HOSTILE, console, console_with};
use crate::serve_process::free_port;

/// chromedriver, started for one test and stopped with it.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// chromedriver on a free port, or `None` (and why) where the browser is not installed.
fn driver() -> Option<Driver> {
    let missing = ["chromedriver", "chromium"]
        .into_iter()
        .find(|tool| Command::new(tool).arg("--version").output().is_err());
    if let Some(tool) = missing {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but {tool} is not installed: .ci/run installs chromium and chromium-driver"
        );
        eprintln!("skipped: {tool} is not installed (apt-get install chromium chromium-driver)");
        return None;
    }
    let port = free_port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    })
}

async fn browser(driver: &Driver) -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000"]
        }),
    );
    ClientBuilder::rustls()
        .expect("a TLS config")
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a browser session")
}

fn screens() -> PathBuf {
    let dir = crate::common::repo_root().join("target/console-screens");
    fs_err::create_dir_all(&dir).unwrap();
    dir
}

async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    fs_err::write(screens().join(format!("{name}.png")), png).unwrap();
}

/// The element whose accessible name is `name` (label, aria-label or text), as CSS.
async fn by_label(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
}

async fn sign_in(client: &Client, base: &str, token: &str) {
    client.goto(&format!("{base}/prompts")).await.unwrap();
    assert!(
        client
            .current_url()
            .await
            .unwrap()
            .path()
            .starts_with("/signin")
    );
    // The field is found through its label "Token", the button by its text "Sign in".
    let label = by_label(client, "label[for='token']").await;
    assert_eq!(label.text().await.unwrap(), "Token");
    by_label(client, "#token")
        .await
        .send_keys(token)
        .await
        .unwrap();
    client
        .find(Locator::XPath("//button[normalize-space()='Sign in']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_path(client, "/prompts").await;
}

/// Wait until the browser is at `path`.
async fn wait_path(client: &Client, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while client.current_url().await.unwrap().path() != path {
        if Instant::now() > deadline {
            screenshot(client, "failed-navigation").await;
            panic!("not at {path}: {}", client.current_url().await.unwrap());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn text_of(client: &Client, css: &str) -> String {
    by_label(client, css).await.text().await.unwrap()
}

/// Wait until `css`'s text is not empty, and return it.
async fn wait_text(client: &Client, css: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let text = text_of(client, css).await;
        if !text.trim().is_empty() {
            return text;
        }
        assert!(Instant::now() < deadline, "{css} stayed empty");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn select_rows(client: &Client, names: &[&str]) {
    for name in names {
        by_label(client, &format!("input[aria-label='Select {name}']"))
            .await
            .click()
            .await
            .unwrap();
    }
}

async fn assign(client: &Client, model: &str) {
    client
        .find(Locator::XPath("//button[normalize-space()='Assign model']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let search = by_label(client, "#assign-model-search").await;
    search.send_keys(model).await.unwrap();
    by_label(client, &format!("#assign-model option[value='{model}']"))
        .await
        .click()
        .await
        .unwrap();
    screenshot(client, "assign-dialog").await;
    client
        .find(Locator::XPath(
            "//dialog//button[normalize-space()='Apply']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

fn api_model(url: &str, token: &str, name: &str) -> String {
    let output = Command::new("curl")
        .args(["-s", "-H", &format!("Authorization: Bearer {token}")])
        .arg(format!("{url}/v1/prompts/{name}"))
        .output()
        .unwrap();
    let body: Value = serde_json::from_slice(&output.stdout).unwrap();
    body["ai_model"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_searches_selects_three_prompts_and_assigns_a_model() {
    let Some(driver) = driver() else { return };
    let console = console();
    let base = console.server.url.clone();
    let client = browser(&driver).await;
    sign_in(&client, &base, &console.admin).await;
    screenshot(&client, "prompts").await;

    let search = by_label(&client, "input[aria-label='Search prompts']").await;
    search.send_keys("generate_questions").await.unwrap();
    search.send_keys("\u{E007}").await.unwrap(); // Enter submits the filters
    let deadline = Instant::now() + Duration::from_secs(15);
    while !client
        .current_url()
        .await
        .unwrap()
        .query()
        .is_some_and(|q| q.contains("q=generate_questions"))
    {
        assert!(Instant::now() < deadline, "the search did not load");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rows = client.find_all(Locator::Css("tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 4, "the four question prompts");
    let names = [
        "generate_questions_before_event",
        "generate_questions_during_event",
        "generate_questions_post_event",
    ];
    select_rows(&client, &names).await;
    assert_eq!(text_of(&client, "#selected-count").await, "3 selected");
    screenshot(&client, "prompts-selected").await;
    assign(&client, "openai/gpt-5-mini").await;
    let result = wait_text(&client, "#result").await;
    assert!(
        result.contains("Updated 3 prompts to openai/gpt-5-mini."),
        "{result}"
    );
    screenshot(&client, "prompts-assigned").await;

    for name in names {
        assert_eq!(api_model(&base, &console.read, name), "openai/gpt-5-mini");
    }
    let (_, listed, _) = crate::common::run(
        crate::common::promptctl(console.dir.path())
            .args(["--store", &base, "list", "--format", "json"])
            .env("PROMPTCTL_TOKEN", &console.read),
    );
    let listed: Value = serde_json::from_str(&listed).unwrap();
    for name in names {
        let row = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["prompt_name"] == name)
            .unwrap();
        assert_eq!(row["ai_model"], "openai/gpt-5-mini");
    }
    let (_, history, _) = crate::common::run(
        crate::common::promptctl(console.dir.path())
            .args([
                "--store",
                &base,
                "history",
                "generate_questions_before_event",
            ])
            .env("PROMPTCTL_TOKEN", &console.read),
    );
    assert!(history.contains("console (ci)"), "{history}");

    // The other pages, for the screenshots and a look at each.
    for (path, name) in [
        ("/prompts/generate_questions_before_event", "prompt"),
        ("/models", "models"),
        ("/history", "history"),
    ] {
        client.goto(&format!("{base}{path}")).await.unwrap();
        client.wait().for_element(Locator::Css("h1")).await.unwrap();
        screenshot(&client, name).await;
    }
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflict_applies_nothing_and_names_the_row() {
    let Some(driver) = driver() else { return };
    let console = console();
    let base = console.server.url.clone();
    let client = browser(&driver).await;
    sign_in(&client, &base, &console.admin).await;
    client
        .goto(&format!("{base}/prompts?q=enhance_narrative"))
        .await
        .unwrap();
    let names = [
        "enhance_narrative_before_event",
        "enhance_narrative_during_event",
    ];
    select_rows(&client, &names).await;
    // Meanwhile someone changes one of them (git, through the CLI).
    let (code, _, stderr) =
        crate::common::run(crate::common::promptctl(console.dir.path()).args([
            "set-model",
            "openai/gpt-5-nano",
            "--prompt",
            names[1],
        ]));
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = crate::common::run(
        crate::common::promptctl(console.dir.path())
            .args(["--store", &base, "apply", "--auto-approve"])
            .env("PROMPTCTL_TOKEN", &console.admin),
    );
    assert_eq!(code, 0, "{stderr}");
    assign(&client, "openai/gpt-4o").await;
    let result = wait_text(&client, "#result").await;
    assert!(result.contains("nothing was applied"), "{result}");
    assert!(result.contains(names[1]), "names the row: {result}");
    screenshot(&client, "prompts-conflict").await;
    assert_eq!(
        api_model(&base, &console.read, names[0]),
        "openai/gpt-5",
        "the row that did not conflict is unchanged too"
    );
    assert_eq!(
        api_model(&base, &console.read, names[1]),
        "openai/gpt-5-nano"
    );
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_session_has_no_write_controls_and_a_script_in_a_template_is_text() {
    let Some(driver) = driver() else { return };
    let console = console();
    let base = console.server.url.clone();
    let client = browser(&driver).await;
    sign_in(&client, &base, &console.read).await;
    assert!(client.find(Locator::Css("#assign-open")).await.is_err());
    assert!(client.find(Locator::Css("input.select")).await.is_err());
    screenshot(&client, "prompts-read-only").await;
    // A POST from the page's own origin, with the session's cookie and CSRF token: refused.
    let status = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch('/console/assign', {method: 'POST', headers: {'Content-Type': 'application/json',
               'X-CSRF-Token': document.getElementById('main').dataset.csrf},
               body: JSON.stringify({model: 'openai/gpt-5', rows: []})}).then(r => done(r.status));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(status, json!(403));

    client
        .goto(&format!("{base}/prompts/{HOSTILE}"))
        .await
        .unwrap();
    let template = text_of(&client, "pre.template").await;
    assert!(
        template.contains("<script>alert(\"pwned\")</script> Hello {{who}}"),
        "{template}"
    );
    let scripts = client
        .execute("return document.scripts.length", vec![])
        .await
        .unwrap();
    assert_eq!(scripts, json!(1), "only console.js");
    assert!(client.get_alert_text().await.is_err(), "no alert ran");
    screenshot(&client, "prompt-hostile").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_the_rules_of_record_refuse_is_refused_naming_the_rule() {
    let Some(driver) = driver() else { return };
    let console = console_with(Some(
        "policies:\n  - name: narrative-on-gpt-5\n    match: { workflow_step: narrative_enhancement }\n    allowed_models: [\"openai/gpt-5*\"]\n    enforcement: hard-mandatory\n",
    ));
    let base = console.server.url.clone();
    let client = browser(&driver).await;
    sign_in(&client, &base, &console.admin).await;
    client
        .goto(&format!("{base}/prompts?q=enhance_narrative"))
        .await
        .unwrap();
    let names = [
        "enhance_narrative_before_event",
        "enhance_narrative_during_event",
    ];
    select_rows(&client, &names).await;
    assign(&client, "openai/gpt-4o").await;
    let result = wait_text(&client, "#result").await;
    assert!(result.contains("rules of record refuse"), "{result}");
    assert!(
        result.contains("policy “narrative-on-gpt-5” (hard-mandatory) forbids it"),
        "names the policy and its level: {result}"
    );
    assert!(
        result.contains(names[0]) && result.contains(names[1]),
        "{result}"
    );
    screenshot(&client, "prompts-refused").await;
    for name in names {
        assert_eq!(api_model(&base, &console.read, name), "openai/gpt-5");
    }
    client.close().await.unwrap();
}
