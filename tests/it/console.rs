//! The web console over HTTP, against a real `promptctl serve`: sign-in, sessions, CSRF,
//! roles, escaping, security headers. The browser tests (`console_browser.rs`) drive the same
//! pages in Chromium.

use std::path::Path;

use serde_json::{Value, json};

use crate::common::{copy_prompts, promptctl, run};
use crate::serve_process::{Server, tokens};

/// A project whose prompts (the repository's, plus one whose template holds HTML) are applied
/// to `store.db`, served with an admin token `ci` and a read token `app`.
pub(crate) struct Console {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) server: Server,
    pub(crate) admin: String,
    pub(crate) read: String,
}

pub(crate) const HOSTILE: &str = "hostile_template";

pub(crate) fn console() -> Console {
    console_with(None)
}

/// [`console`], with this promptctl.yaml.
pub(crate) fn console_with(config: Option<&str>) -> Console {
    console_on(config, crate::common::TODAY, false)
}

/// [`console_with`], served as on `today`, and with the repository's usage.yaml applied with the
/// prompts when `usage` is set (so the console can price a change).
pub(crate) fn console_on(config: Option<&str>, today: &str, usage: bool) -> Console {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    if let Some(config) = config {
        fs_err::write(dir.path().join("promptctl.yaml"), config).unwrap();
    }
    if usage {
        fs_err::copy(
            crate::common::repo_root().join("usage.yaml"),
            dir.path().join("usage.yaml"),
        )
        .unwrap();
    }
    fs_err::write(
        dir.path().join(format!("prompts/{HOSTILE}.yaml")),
        format!(
            "prompt_name: {HOSTILE}\nprompt_version: v1\nai_model: openai/gpt-4o-mini\nsubsystem: incidents\ninput_schema:\n  type: object\n  properties:\n    who: {{ type: string }}\nprompt_template: |\n  <script>alert(\"pwned\")</script> Hello {{{{who}}}} & \"friends\" <!-- x -->\n"
        ),
    )
    .unwrap();
    let (admin, read) = tokens(dir.path());
    let (code, _, stderr) =
        run(promptctl(dir.path()).args(["--store", "sqlite:store.db", "apply", "--auto-approve"]));
    assert_eq!(code, 0, "{stderr}");
    let server = Server::start_with(
        dir.path(),
        &["--database", "sqlite:store.db", "--tokens", "tokens"],
        &[("PROMPTCTL_TODAY", today)],
    );
    Console {
        dir,
        server,
        admin,
        read,
    }
}

/// A small synchronous client over reqwest for these tests: no cookie jar and no redirects
/// followed, so each test says what it sends and sees what comes back.
pub(crate) mod http {
    pub(crate) struct Client {
        runtime: tokio::runtime::Runtime,
        http: ::reqwest::Client,
    }

    pub(crate) struct Answer {
        pub(crate) status: u16,
        pub(crate) headers: ::reqwest::header::HeaderMap,
        pub(crate) body: String,
    }

    impl Answer {
        pub(crate) fn header(&self, name: &str) -> String {
            self.headers
                .get_all(name)
                .iter()
                .map(|v| v.to_str().unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
                .join("\n")
        }
    }

    impl Client {
        pub(crate) fn new() -> Client {
            let _ = rustls::crypto::ring::default_provider().install_default();
            Client {
                runtime: tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap(),
                http: ::reqwest::Client::builder()
                    .redirect(::reqwest::redirect::Policy::none())
                    .build()
                    .unwrap(),
            }
        }

        pub(crate) fn send(&self, request: ::reqwest::RequestBuilder) -> Answer {
            self.runtime.block_on(async {
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                let body = response.text().await.unwrap();
                Answer {
                    status,
                    headers,
                    body,
                }
            })
        }

        pub(crate) fn get(&self, url: &str, cookie: Option<&str>) -> Answer {
            let mut request = self.http.get(url);
            if let Some(cookie) = cookie {
                request = request.header("cookie", cookie);
            }
            self.send(request)
        }

        pub(crate) fn post_form(
            &self,
            url: &str,
            cookie: Option<&str>,
            form: &[(&str, &str)],
        ) -> Answer {
            self.post_form_with(url, cookie, form, &[])
        }

        /// A form post with more headers.
        pub(crate) fn post_form_with(
            &self,
            url: &str,
            cookie: Option<&str>,
            form: &[(&str, &str)],
            headers: &[(&str, &str)],
        ) -> Answer {
            let body: String = form
                .iter()
                .map(|(k, v)| format!("{k}={}", encode(v)))
                .collect::<Vec<_>>()
                .join("&");
            let mut request = self
                .http
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body);
            if let Some(cookie) = cookie {
                request = request.header("cookie", cookie);
            }
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            self.send(request)
        }

        pub(crate) fn post_json(
            &self,
            url: &str,
            cookie: Option<&str>,
            csrf: Option<&str>,
            body: &serde_json::Value,
        ) -> Answer {
            let mut request = self.http.post(url).json(body);
            if let Some(cookie) = cookie {
                request = request.header("cookie", cookie);
            }
            if let Some(csrf) = csrf {
                request = request.header("x-csrf-token", csrf);
            }
            self.send(request)
        }

        /// The underlying client, for a request the helpers do not make.
        pub(crate) fn raw(&self) -> &::reqwest::Client {
            &self.http
        }

        pub(crate) fn get_bearer(&self, url: &str, token: &str) -> Answer {
            self.send(self.http.get(url).bearer_auth(token))
        }
    }

    fn encode(value: &str) -> String {
        value
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }
}

pub(crate) use http::{Answer, Client};

/// Sign in with `token`; the session cookie (`name=value`) and the page's CSRF token.
pub(crate) fn sign_in(client: &Client, url: &str, token: &str) -> (String, String) {
    let answer = client.post_form(
        &format!("{url}/signin"),
        None,
        &[("token", token), ("next", "/prompts")],
    );
    assert_eq!(answer.status, 303, "{}", answer.body);
    let set_cookie = answer.header("set-cookie");
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let page = client.get(&format!("{url}/prompts"), Some(&cookie));
    assert_eq!(page.status, 200);
    let csrf = page
        .body
        .split("data-csrf=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    (cookie, csrf)
}

fn row_of(console: &Console, name: &str) -> Value {
    crate::common::listed_rows(console.dir.path(), "sqlite:store.db")
        .into_iter()
        .find(|r| r["prompt_name"] == name && r["is_active"] == true)
        .unwrap()
}

fn assert_secure_page(answer: &Answer) {
    let csp = answer.header("content-security-policy");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(answer.header("x-frame-options"), "DENY");
    assert!(!answer.body.contains("<script>") || answer.body.matches("<script").count() == 1);
}

#[test]
fn pages_need_a_session_and_the_cookie_holds_no_token() {
    let console = console();
    let client = Client::new();
    let url = &console.server.url;
    let answer = client.get(&format!("{url}/prompts?q=generate"), None);
    assert_eq!(answer.status, 303);
    assert_eq!(
        answer.header("location"),
        "/signin?next=/prompts%3Fq%3Dgenerate"
    );
    let signin = client.get(&format!("{url}/signin"), None);
    assert!(signin.body.contains("<label for=\"token\">Token</label>"));
    assert!(signin.body.contains(">Sign in</button>"));
    assert_secure_page(&signin);

    let wrong = client.post_form(&format!("{url}/signin"), None, &[("token", "pct_wrong")]);
    assert_eq!(wrong.status, 401);
    assert!(wrong.header("set-cookie").is_empty());

    let answer = client.post_form(
        &format!("{url}/signin"),
        None,
        &[("token", &console.admin), ("next", "https://evil.example/")],
    );
    assert_eq!(answer.status, 303);
    assert_eq!(answer.header("location"), "/prompts", "never off-site");
    let cookie = answer.header("set-cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain HTTP: no Secure flag");
    assert!(
        !cookie.contains(&console.admin),
        "the cookie is not the token"
    );

    // Behind TLS the cookie is Secure.
    let behind_tls = client.post_form_with(
        &format!("{url}/signin"),
        None,
        &[("token", &console.read)],
        &[("x-forwarded-proto", "https")],
    );
    assert_eq!(behind_tls.status, 303);
    assert!(behind_tls.header("set-cookie").contains("; Secure"));
    let log = console.server.log_so_far();
    assert!(
        !log.contains(&console.admin) && !log.contains(&console.read),
        "tokens logged"
    );
}

#[test]
fn the_prompts_page_lists_models_and_escapes_what_the_store_holds() {
    let console = console();
    let client = Client::new();
    let url = &console.server.url;
    let (cookie, _) = sign_in(&client, url, &console.admin);
    let page = client.get(&format!("{url}/prompts"), Some(&cookie));
    assert_secure_page(&page);
    assert!(
        page.body
            .contains("aria-label=\"Select generate_questions_before_event\"")
    );
    assert!(page.body.contains("aria-label=\"Search prompts\""));
    assert!(page.body.contains(">Assign model</button>"));
    assert!(
        page.body.contains("<code>openai/gpt-4o-mini</code>")
            || page.body.contains("<code>openai/gpt-5</code>")
    );

    let searched = client.get(
        &format!("{url}/prompts?q=narrative&sort=name&dir=desc"),
        Some(&cookie),
    );
    let names: Vec<&str> = searched
        .body
        .split("data-name=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(names.iter().all(|n| n.contains("narrative")));
    let mut sorted = names.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(names, sorted, "sorted by name, descending");

    let prompt = client.get(&format!("{url}/prompts/{HOSTILE}"), Some(&cookie));
    assert_eq!(prompt.status, 200);
    assert_secure_page(&prompt);
    assert!(
        prompt
            .body
            .contains("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; Hello {{who}} &amp; &quot;friends&quot; &lt;!-- x --&gt;"),
        "escaped: {}",
        prompt.body
    );
    assert!(!prompt.body.contains("<script>alert"));
    let missing = client.get(&format!("{url}/prompts/nothing_here"), Some(&cookie));
    assert_eq!(missing.status, 404);
}

#[test]
fn an_admin_assigns_a_model_in_one_change_set_recorded_as_the_console() {
    let console = console();
    let client = Client::new();
    let url = &console.server.url;
    let (cookie, csrf) = sign_in(&client, url, &console.admin);
    let names = [
        "generate_questions_before_event",
        "generate_questions_during_event",
        "generate_questions_end_of_event",
    ];
    let rows: Vec<Value> = names
        .iter()
        .map(|n| {
            let row = row_of(&console, n);
            json!({"id": row["id"], "row_version": row["row_version"]})
        })
        .collect();
    let request = json!({"model": "openai/gpt-5-mini", "rows": rows});

    let forged = client.post_json(
        &format!("{url}/console/assign"),
        Some(&cookie),
        None,
        &request,
    );
    assert_eq!(forged.status, 403, "no CSRF token");
    let no_session = client.post_json(
        &format!("{url}/console/assign"),
        None,
        Some(&csrf),
        &request,
    );
    assert_eq!(no_session.status, 401);

    let answer = client.post_json(
        &format!("{url}/console/assign"),
        Some(&cookie),
        Some(&csrf),
        &request,
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    let result: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(result["updated"], 3);
    for name in names {
        assert_eq!(row_of(&console, name)["ai_model"], "openai/gpt-5-mini");
        let api = client.get_bearer(&format!("{url}/v1/prompts/{name}"), &console.read);
        let body: Value = serde_json::from_str(&api.body).unwrap();
        assert_eq!(body["ai_model"], "openai/gpt-5-mini", "served at once");
    }
    // The listing shows who changed the rows last, marked as changed in the console; the rows
    // not assigned keep their earlier last change.
    let listing = client.get(
        &format!("{url}/prompts?q=generate_questions"),
        Some(&cookie),
    );
    assert_eq!(
        listing.body.matches("console (ci)").count(),
        3,
        "{}",
        listing.body
    );
    assert_eq!(listing.body.matches("class=\"badge console\"").count(), 3);
    let (_, history, _) = run(promptctl(console.dir.path()).args([
        "--store",
        "sqlite:store.db",
        "history",
        "--format",
        "json",
        "--limit",
        "3",
    ]));
    let history: Value = serde_json::from_str(&history).unwrap();
    assert!(
        history
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor"] == "console (ci)"),
        "{history:#}"
    );

    // The same rows again, with the row versions read before: stale, nothing applied.
    let again = json!({"model": "openai/gpt-5", "rows": request["rows"]});
    let stale = client.post_json(
        &format!("{url}/console/assign"),
        Some(&cookie),
        Some(&csrf),
        &again,
    );
    assert_eq!(stale.status, 409);
    let stale: Value = serde_json::from_str(&stale.body).unwrap();
    assert_eq!(stale["updated"], 0);
    assert_eq!(stale["conflicts"].as_array().unwrap().len(), 3);
    assert!(
        stale["conflicts"][0]
            .as_str()
            .unwrap()
            .contains("generate_questions_before_event")
    );
    assert_eq!(row_of(&console, names[0])["ai_model"], "openai/gpt-5-mini");

    let unknown = json!({"model": "openai/gpt5", "rows": [rows[0].clone()]});
    let refused = client.post_json(
        &format!("{url}/console/assign"),
        Some(&cookie),
        Some(&csrf),
        &unknown,
    );
    assert_eq!(refused.status, 422, "{}", refused.body);

    // The console's change is drift to git: plan says where it came from.
    let (code, stdout, stderr) =
        run(promptctl(console.dir.path()).args(["--store", "sqlite:store.db", "plan"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("generate_questions_before_event"),
        "{stdout}"
    );
    assert!(
        stderr.contains("changed in the console by ci at revision"),
        "{stderr}"
    );

    // Or git takes the console's models: only `ai_model` changes in each file.
    let file = console
        .dir
        .path()
        .join("prompts/incidents/generate_questions_before_event.yaml");
    let before = fs_err::read_to_string(&file).unwrap();
    let (code, _, stderr) = run(promptctl(console.dir.path()).args([
        "--store",
        "sqlite:store.db",
        "import",
        "--update",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("Updated 3 prompt files"), "{stderr}");
    let after = fs_err::read_to_string(&file).unwrap();
    let changed: Vec<(&str, &str)> = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(
        changed[0].1.starts_with("ai_model: openai/gpt-5-mini"),
        "{changed:?}"
    );
    assert_eq!(before.lines().count(), after.lines().count());
    let (code, stdout, _) = run(promptctl(console.dir.path()).args([
        "--store",
        "sqlite:store.db",
        "plan",
        "--detailed-exitcode",
    ]));
    assert_eq!(code, 0, "in line with the store: {stdout}");
}

#[test]
fn a_read_session_sees_every_page_and_changes_nothing() {
    let console = console();
    let client = Client::new();
    let url = &console.server.url;
    let (cookie, csrf) = sign_in(&client, url, &console.read);
    for page in [
        "/prompts",
        "/models",
        "/history",
        "/prompts/generate_mock_incident_data",
    ] {
        let answer = client.get(&format!("{url}{page}"), Some(&cookie));
        assert_eq!(answer.status, 200, "{page}");
        assert!(
            !answer.body.contains("Assign model"),
            "{page}: no write control"
        );
        assert!(
            !answer.body.contains("Change model"),
            "{page}: no write control"
        );
        assert!(!answer.body.contains("type=\"checkbox\""), "{page}");
    }
    let row = row_of(&console, "generate_mock_incident_data");
    let request = json!({"model": "openai/gpt-5", "rows": [{"id": row["id"], "row_version": row["row_version"]}]});
    let answer = client.post_json(
        &format!("{url}/console/assign"),
        Some(&cookie),
        Some(&csrf),
        &request,
    );
    assert_eq!(answer.status, 403);
    let form = client.post_form(
        &format!("{url}/prompts/generate_mock_incident_data/model"),
        Some(&cookie),
        &[
            ("_csrf", &csrf),
            ("id", row["id"].as_str().unwrap()),
            ("row_version", "1"),
            ("model", "openai/gpt-5"),
        ],
    );
    assert_eq!(form.status, 403);
    assert_eq!(
        row_of(&console, "generate_mock_incident_data")["row_version"],
        row["row_version"]
    );

    // Signing out ends the session.
    let out = client.post_form(
        &format!("{url}/signout"),
        Some(&cookie),
        &[("_csrf", &csrf)],
    );
    assert_eq!(out.status, 303);
    assert_eq!(
        client.get(&format!("{url}/prompts"), Some(&cookie)).status,
        303
    );
}

#[test]
fn sign_in_is_rate_limited_and_posts_from_other_sites_are_refused() {
    let console = console();
    let client = Client::new();
    let url = &console.server.url;
    let (cookie, csrf) = sign_in(&client, url, &console.admin);
    let cross_site = client.send(
        client
            .raw()
            .post(format!("{url}/console/assign"))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .header("origin", "https://evil.example")
            .json(&json!({"model": "openai/gpt-5", "rows": []})),
    );
    assert_eq!(cross_site.status, 403);
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(
            client
                .post_form(&format!("{url}/signin"), None, &[("token", "pct_guess")])
                .status,
        );
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        3,
        "{statuses:?}"
    );
}

#[test]
fn the_prompt_page_changes_a_model_without_javascript_and_shows_a_diff() {
    let console = console();
    let client = Client::new();
    let url = &console.server.url;
    let (cookie, csrf) = sign_in(&client, url, &console.admin);
    let name = "generate_mock_incident_data";
    let row = row_of(&console, name);
    let answer = client.post_form(
        &format!("{url}/prompts/{name}/model"),
        Some(&cookie),
        &[
            ("_csrf", &csrf),
            ("id", row["id"].as_str().unwrap()),
            ("row_version", &row["row_version"].to_string()),
            ("model", "openai/gpt-5-nano"),
        ],
    );
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(
        answer.header("location"),
        format!("/prompts/{name}?done=changed")
    );
    assert_eq!(row_of(&console, name)["ai_model"], "openai/gpt-5-nano");
    let page = client.get(&format!("{url}/prompts/{name}?done=changed"), Some(&cookie));
    assert!(page.body.contains("The model was changed."));
    assert!(page.body.contains("console (ci)"), "the prompt's history");

    // A second version, then a diff between the two.
    let file =
        Path::new(console.dir.path()).join("prompts/incidents/generate_mock_incident_data.yaml");
    let version = crate::common::new_version(&file, "v7.0.0", "A brand new opening line.");
    let (code, _, stderr) = run(promptctl(console.dir.path()).args([
        "--store",
        "sqlite:store.db",
        "apply",
        "--auto-approve",
    ]));
    assert_eq!(code, 0, "{stderr}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let diff = client.get(
        &format!("{url}/prompts/{name}?from={version}&to=v7.0.0"),
        Some(&cookie),
    );
    assert!(
        diff.body
            .contains("<span class=\"add\">+A brand new opening line.</span>"),
        "{}",
        diff.body
    );
}

#[test]
fn an_admin_ends_a_canary_from_the_prompt_page_and_it_is_drift() {
    let console = console();
    let name = "generate_mock_incident_data";
    let file = console
        .dir
        .path()
        .join("prompts/incidents/generate_mock_incident_data.yaml");
    let text = fs_err::read_to_string(&file).unwrap();
    fs_err::write(
        &file,
        text.replacen(
            "ai_model: openai/gpt-5",
            "ai_model: openai/gpt-5\ncanary:\n  ai_model: openai/gpt-5.2\n  percent: 25",
            1,
        ),
    )
    .unwrap();
    let (code, _, stderr) = run(promptctl(console.dir.path()).args([
        "--store",
        "sqlite:store.db",
        "apply",
        "--auto-approve",
    ]));
    assert_eq!(code, 0, "{stderr}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let client = Client::new();
    let url = &console.server.url;
    let (cookie, csrf) = sign_in(&client, url, &console.admin);
    let page = client.get(&format!("{url}/prompts/{name}"), Some(&cookie));
    assert!(
        page.body.contains("canary openai/gpt-5.2 at 25%"),
        "the badge"
    );
    assert!(page.body.contains("End canary"));
    let row = row_of(&console, name);
    let answer = client.post_form(
        &format!("{url}/prompts/{name}/canary/end"),
        Some(&cookie),
        &[
            ("_csrf", &csrf),
            ("id", row["id"].as_str().unwrap()),
            ("row_version", &row["row_version"].to_string()),
        ],
    );
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(
        answer.header("location"),
        format!("/prompts/{name}?done=canary-ended")
    );
    let ended = row_of(&console, name);
    assert!(
        ended.get("canary_model").is_none_or(Value::is_null),
        "{ended}"
    );
    // Git still has the canary: the next plan puts it back, and says the console changed it.
    let (code, plan, _) =
        run(promptctl(console.dir.path()).args(["--store", "sqlite:store.db", "plan"]));
    assert_eq!(code, 0);
    assert!(plan.contains("none → openai/gpt-5.2 at 25%"), "{plan}");
    // A read session cannot.
    let (read_cookie, read_csrf) = sign_in(&client, url, &console.read);
    let refused = client.post_form(
        &format!("{url}/prompts/{name}/canary/end"),
        Some(&read_cookie),
        &[
            ("_csrf", &read_csrf),
            ("id", ended["id"].as_str().unwrap()),
            ("row_version", &ended["row_version"].to_string()),
        ],
    );
    assert_eq!(refused.status, 403);
}
