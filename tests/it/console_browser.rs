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

use crate::console::{HOSTILE, console, console_on, console_with};
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

/// Wait until `css`'s text is not empty, and return it. The page may reload meanwhile (the
/// console shows a write's result on the reloaded page), so a vanished element is retried.
async fn wait_text(client: &Client, css: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let text = match client.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
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

/// Click "Assign model", found by its text.
async fn open_assign_dialog(client: &Client) {
    client
        .find(Locator::XPath("//button[normalize-space()='Assign model']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn assign(client: &Client, model: &str) {
    open_assign_dialog(client).await;
    let search = by_label(client, "#assign-model-search").await;
    search.send_keys(model).await.unwrap();
    by_label(client, &format!("#assign-model input[value='{model}']"))
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

/// What an admin sees of a row's model in the table.
async fn model_shown(client: &Client, name: &str) -> String {
    text_of(client, &format!("tr[data-name='{name}'] td:nth-child(4)")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_an_assign_the_table_shows_the_new_models_and_assigning_again_works() {
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
    assign(&client, "openai/gpt-5-mini").await;
    let result = wait_text(&client, "#result").await;
    assert!(result.contains("Updated 2 prompts"), "{result}");
    for name in names {
        let shown = model_shown(&client, name).await;
        assert!(shown.contains("openai/gpt-5-mini"), "{name}: {shown}");
        let git = text_of(&client, &format!("tr[data-name='{name}'] span.git")).await;
        assert_eq!(git, "drift", "a console change is drift until git agrees");
    }
    // The page holds the rows' new versions: a second assignment is not a conflict.
    select_rows(&client, &names).await;
    assign(&client, "openai/gpt-5.2").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let result = wait_text(&client, "#result").await;
        if result.contains("openai/gpt-5.2") {
            assert!(result.contains("Updated 2 prompts"), "{result}");
            break;
        }
        assert!(Instant::now() < deadline, "no second result: {result}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for name in names {
        assert_eq!(api_model(&base, &console.read, name), "openai/gpt-5.2");
    }
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_picker_shows_price_context_and_deprecation_and_offers_no_retired_model() {
    let Some(driver) = driver() else { return };
    // A week before openai/gpt-5 is deprecated (2026-12-11), with usage figures to price by.
    let console = console_on(None, "2026-12-04", true);
    let base = console.server.url.clone();
    let client = browser(&driver).await;
    sign_in(&client, &base, &console.admin).await;
    client
        .goto(&format!("{base}/prompts?q=generate_questions"))
        .await
        .unwrap();
    select_rows(
        &client,
        &[
            "generate_questions_before_event",
            "generate_questions_during_event",
        ],
    )
    .await;
    open_assign_dialog(&client).await;
    let option = |id: &str| format!("#assign-model label.model-option:has(input[value='{id}'])");
    let gpt5 = text_of(&client, &option("openai/gpt-5")).await;
    assert_eq!(
        gpt5.split_whitespace().next(),
        Some("openai/gpt-5"),
        "named by id first: {gpt5}"
    );
    assert!(
        gpt5.contains("deprecated in 7 days (2026-12-11)"),
        "deprecating soon is said: {gpt5}"
    );
    assert!(
        gpt5.contains("per 1M tokens") && gpt5.contains("272K context"),
        "{gpt5}"
    );
    let soon = client
        .find(Locator::Css(&format!(
            "{} .badge.soon",
            option("openai/gpt-5")
        )))
        .await;
    assert!(soon.is_ok(), "deprecating soon stands out as a badge");
    let recommended = text_of(&client, &option("openai/gpt-5.2")).await;
    assert!(recommended.contains("★ recommended"), "{recommended}");
    assert!(
        client
            .find(Locator::Css(
                "#assign-model input[value='anthropic/claude-3-sonnet']"
            ))
            .await
            .is_err(),
        "a retired model is not offered"
    );
    // The search narrows the list; a deprecated model stays selectable, marked.
    by_label(&client, "#assign-model-search")
        .await
        .send_keys("sonnet")
        .await
        .unwrap();
    let shown = client
        .execute(
            "return Array.from(document.querySelectorAll('#assign-model label.model-option'))
               .filter(l => l.getClientRects().length > 0).map(l => l.querySelector('input').value)",
            vec![],
        )
        .await
        .unwrap();
    let shown: Vec<String> = serde_json::from_value(shown).unwrap();
    assert!(
        !shown.is_empty() && shown.iter().all(|id| id.contains("sonnet")),
        "{shown:?}"
    );
    assert!(
        shown.iter().any(|id| id == "anthropic/claude-sonnet-4-5"),
        "{shown:?}"
    );
    let deprecated = text_of(&client, &option("anthropic/claude-sonnet-4-5")).await;
    assert!(deprecated.contains("deprecated"), "{deprecated}");
    // The cost of the change in words, and the drift it makes.
    by_label(&client, "#assign-model-search")
        .await
        .send_keys(&"\u{E003}".repeat("sonnet".len()))
        .await
        .unwrap();
    by_label(&client, "#assign-model input[value='openai/gpt-5.2']")
        .await
        .click()
        .await
        .unwrap();
    let cost = wait_text(&client, "#assign-cost").await;
    let words = regex_lite(&cost);
    assert!(words, "the change in words (+$X/month, +N%): {cost}");
    let drift = text_of(&client, "#assign-dialog .drift-note").await;
    assert!(
        drift.contains("This changes the live store, not git."),
        "{drift}"
    );
    assert!(drift.contains("promptctl apply"), "{drift}");
    screenshot(&client, "assign-picker-1440").await;
    client.close().await.unwrap();
}

/// `+$1.23/month, +45%` or `−$1.23/month, −45%` somewhere in `text`.
fn regex_lite(text: &str) -> bool {
    text.split(['(', ')']).any(|part| {
        let part = part.trim();
        let Some((money, percent)) = part.split_once("/month, ") else {
            return false;
        };
        let signed = |s: &str| s.starts_with('+') || s.starts_with('−');
        signed(money)
            && money[money.char_indices().nth(1).map_or(0, |(i, _)| i)..].starts_with('$')
            && signed(percent)
            && percent.ends_with('%')
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_prompt_page_prices_a_change_and_warns_of_drift() {
    let Some(driver) = driver() else { return };
    let console = console_on(None, "2026-12-04", true);
    let base = console.server.url.clone();
    let client = browser(&driver).await;
    sign_in(&client, &base, &console.admin).await;
    client
        .goto(&format!("{base}/prompts/enhance_narrative_post_event"))
        .await
        .unwrap();
    by_label(&client, "#change-model input[value='openai/gpt-5-mini']")
        .await
        .click()
        .await
        .unwrap();
    let cost = wait_text(&client, "#change-model-cost").await;
    assert!(regex_lite(&cost), "{cost}");
    assert!(
        cost.contains('−'),
        "gpt-5-mini costs less than gpt-5: {cost}"
    );
    let drift = text_of(&client, "form.change-model .drift-note").await;
    assert!(drift.contains("not git"), "{drift}");
    screenshot(&client, "prompt-change-1440").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_390_pixels_no_page_scrolls_sideways() {
    let Some(driver) = driver() else { return };
    let console = console_on(None, "2026-12-04", true);
    let base = console.server.url.clone();
    let client = browser(&driver).await;
    client.set_window_size(390, 844).await.unwrap();
    sign_in(&client, &base, &console.admin).await;
    let width = client
        .execute("return window.innerWidth", vec![])
        .await
        .unwrap();
    assert!(width.as_i64().unwrap() <= 400, "a phone's width: {width}");
    for (path, name) in [
        ("/prompts", "prompts-390"),
        ("/prompts/generate_questions_before_event", "prompt-390"),
        ("/models", "models-390"),
        ("/history", "history-390"),
    ] {
        client.goto(&format!("{base}{path}")).await.unwrap();
        client.wait().for_element(Locator::Css("h1")).await.unwrap();
        let widths = client
            .execute(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]",
                vec![],
            )
            .await
            .unwrap();
        let (scroll, client_width) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
        screenshot(&client, name).await;
        assert!(
            scroll <= client_width,
            "{path} scrolls sideways at 390 px: {scroll} > {client_width}"
        );
    }
    // The dialog fits too.
    client.goto(&format!("{base}/prompts")).await.unwrap();
    select_rows(&client, &["generate_questions_before_event"]).await;
    open_assign_dialog(&client).await;
    let overflow = client
        .execute(
            "const d = document.getElementById('assign-dialog');
             return [d.scrollWidth, d.clientWidth, document.documentElement.scrollWidth, document.documentElement.clientWidth]",
            vec![],
        )
        .await
        .unwrap();
    screenshot(&client, "assign-dialog-390").await;
    let v: Vec<i64> = serde_json::from_value(overflow).unwrap();
    assert!(v[0] <= v[1] && v[2] <= v[3], "the dialog spills out: {v:?}");
    client.close().await.unwrap();
}

/// Tab until the focused element satisfies `is`, at most 80 presses.
async fn tab_to(client: &Client, what: &str, script: &str) {
    for _ in 0..80 {
        let here = client.execute(script, vec![]).await.unwrap();
        if here == json!(true) {
            return;
        }
        client
            .active_element()
            .await
            .unwrap()
            .send_keys("\u{E004}")
            .await
            .unwrap();
    }
    panic!("Tab never reached {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_assigns_a_model_with_the_keyboard_alone() {
    let Some(driver) = driver() else { return };
    let console = console();
    let base = console.server.url.clone();
    let client = browser(&driver).await;
    sign_in(&client, &base, &console.admin).await;
    let name = "generate_mock_incident_data";
    tab_to(
        &client,
        "the row's checkbox",
        &format!("return document.activeElement.getAttribute('aria-label') === 'Select {name}'"),
    )
    .await;
    client
        .active_element()
        .await
        .unwrap()
        .send_keys(" ")
        .await
        .unwrap();
    tab_to(
        &client,
        "Assign model",
        "return document.activeElement.textContent.trim() === 'Assign model' && !document.activeElement.disabled",
    )
    .await;
    client
        .active_element()
        .await
        .unwrap()
        .send_keys("\u{E007}")
        .await
        .unwrap();
    // The dialog opens with the search box focused: type, go down to the first match.
    let search = client.active_element().await.unwrap();
    assert_eq!(
        search.attr("id").await.unwrap().as_deref(),
        Some("assign-model-search")
    );
    search.send_keys("gpt-5.4-mini").await.unwrap();
    search.send_keys("\u{E015}").await.unwrap();
    tab_to(
        &client,
        "Apply",
        "return document.activeElement.textContent.trim() === 'Apply'",
    )
    .await;
    client
        .active_element()
        .await
        .unwrap()
        .send_keys("\u{E007}")
        .await
        .unwrap();
    let result = wait_text(&client, "#result").await;
    assert!(
        result.contains("Updated 1 prompt to openai/gpt-5.4-mini."),
        "{result}"
    );
    assert_eq!(api_model(&base, &console.read, name), "openai/gpt-5.4-mini");
    client.close().await.unwrap();
}
