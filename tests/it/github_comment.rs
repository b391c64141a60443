//! `promptctl comment github` against a stand-in for GitHub's REST API, started inside the
//! test (GitHub itself is not ours to start). The stand-in keeps a pull request's comments in
//! memory and speaks the parts of the API the command uses: the issue-comments list (pages of
//! `per_page`, a `Link` header with `rel="next"`), create, update and delete, bearer tokens,
//! GitHub's 65,536-character body limit (422), and `GET /user`, which answers 403 for a
//! workflow's token (as GitHub does for an installation token) and the user for a personal
//! one. A test can make it fail requests (a 502 once, a 403 for a read-only token). It does not
//! render Markdown, check token scopes, or rate-limit on its own.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use serde_json::{Value, json};

use crate::common::{copy_prompts, promptctl, run};

const TOKEN: &str = "ghs_standin_secret_0123456789";
const REPOSITORY: &str = "acme/prompts";
const PR: u64 = 7;

#[derive(Clone, Debug)]
struct StoredComment {
    id: u64,
    body: String,
    user: String,
}

#[derive(Default)]
struct GitHub {
    comments: Vec<StoredComment>,
    next_id: u64,
    /// Answer the next POSTs with 502 (after creating the comment, for the first of them).
    fail_posts: usize,
    /// Every request: method and path.
    requests: Vec<String>,
    /// Tokens that may only read.
    read_only: bool,
    /// The token's user, for a personal token; `None`: a workflow's token, which writes as
    /// `github-actions[bot]` and may not read `/user`.
    user: Option<String>,
}

type Shared = Arc<Mutex<GitHub>>;

struct StandIn {
    url: String,
    state: Shared,
    _runtime: tokio::runtime::Runtime,
}

impl StandIn {
    fn start() -> StandIn {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let state: Shared = Arc::new(Mutex::new(GitHub {
            next_id: 1000,
            ..GitHub::default()
        }));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = Router::new()
            .route(
                "/repos/{owner}/{repo}/issues/{number}/comments",
                get(list).post(create),
            )
            .route(
                "/repos/{owner}/{repo}/issues/comments/{id}",
                patch(update).delete(delete),
            )
            .route("/user", get(user))
            .with_state(Arc::clone(&state));
        runtime.spawn(async move { axum::serve(listener, app).await });
        StandIn {
            url,
            state,
            _runtime: runtime,
        }
    }

    fn comments(&self) -> Vec<StoredComment> {
        self.state.lock().unwrap().comments.clone()
    }

    fn seed(&self, user: &str, body: &str) -> u64 {
        let mut github = self.state.lock().unwrap();
        github.next_id += 1;
        let id = github.next_id;
        github.comments.push(StoredComment {
            id,
            body: body.to_owned(),
            user: user.to_owned(),
        });
        id
    }

    /// `comment github --pull-request 7 --plan PLAN --valid-at AT`, and `extra`.
    fn comment_plan(
        &self,
        dir: &Path,
        plan: &Path,
        valid_at: &str,
        extra: &[&str],
    ) -> (i32, String, String) {
        let mut args = vec![
            "--pull-request",
            "7",
            "--plan",
            plan.to_str().unwrap(),
            "--valid-at",
            valid_at,
        ];
        args.extend_from_slice(extra);
        self.comment(dir, &args)
    }

    /// Run `promptctl comment github …` in `dir` as GitHub Actions would.
    fn comment(&self, dir: &Path, args: &[&str]) -> (i32, String, String) {
        run(promptctl(dir)
            .args(["-v", "comment", "github"])
            .args(args)
            .env("GITHUB_API_URL", &self.url)
            .env("GITHUB_REPOSITORY", REPOSITORY)
            .env("GITHUB_TOKEN", TOKEN))
    }
}

fn authorized(github: &GitHub, headers: &HeaderMap, write: bool) -> Option<Response> {
    let expected = format!("Bearer {TOKEN}");
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return Some(error(StatusCode::UNAUTHORIZED, "Bad credentials"));
    }
    if write && github.read_only {
        return Some(error(
            StatusCode::FORBIDDEN,
            "Resource not accessible by integration",
        ));
    }
    None
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "message": message }))).into_response()
}

fn as_json(comment: &StoredComment) -> Value {
    json!({
        "id": comment.id,
        "html_url": format!("https://github.test/{REPOSITORY}/pull/{PR}#issuecomment-{}", comment.id),
        "body": comment.body,
        "user": {"login": comment.user},
    })
}

async fn list(
    State(state): State<Shared>,
    UrlPath((_, _, number)): UrlPath<(String, String, u64)>,
    Query(query): Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let mut github = state.lock().unwrap();
    github
        .requests
        .push(format!("GET list page {:?}", query.get("page")));
    if let Some(refused) = authorized(&github, &headers, false) {
        return refused;
    }
    if number != PR {
        return error(StatusCode::NOT_FOUND, "Not Found");
    }
    let per_page: usize = query
        .get("per_page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(30)
        .min(100);
    let page: usize = query.get("page").and_then(|v| v.parse().ok()).unwrap_or(1);
    let items: Vec<Value> = github
        .comments
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(as_json)
        .collect();
    let mut response = axum::Json(items).into_response();
    if page * per_page < github.comments.len() {
        let host = headers
            .get("host")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let link = format!(
            "<http://{host}/repos/{REPOSITORY}/issues/{PR}/comments?per_page={per_page}&page={}>; rel=\"next\"",
            page + 1
        );
        response.headers_mut().insert("link", link.parse().unwrap());
    }
    response
}

async fn user(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let mut github = state.lock().unwrap();
    github.requests.push("GET user".to_owned());
    if let Some(refused) = authorized(&github, &headers, false) {
        return refused;
    }
    match &github.user {
        Some(login) => axum::Json(json!({ "login": login, "id": 1 })).into_response(),
        None => error(
            StatusCode::FORBIDDEN,
            "Resource not accessible by integration",
        ),
    }
}

async fn create(
    State(state): State<Shared>,
    UrlPath((_, _, number)): UrlPath<(String, String, u64)>,
    headers: HeaderMap,
    axum::Json(request): axum::Json<Value>,
) -> Response {
    let mut github = state.lock().unwrap();
    github.requests.push("POST".to_owned());
    if let Some(refused) = authorized(&github, &headers, true) {
        return refused;
    }
    if number != PR {
        return error(StatusCode::NOT_FOUND, "Not Found");
    }
    let body = request["body"].as_str().unwrap_or_default().to_owned();
    if body.chars().count() > 65_536 {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Body is too long (maximum is 65536 characters)",
        );
    }
    github.next_id += 1;
    let comment = StoredComment {
        id: github.next_id,
        body,
        user: github
            .user
            .clone()
            .unwrap_or_else(|| "github-actions[bot]".to_owned()),
    };
    github.comments.push(comment.clone());
    if github.fail_posts > 0 {
        // The comment landed, but the answer is a 502: what a gateway does when GitHub is slow.
        github.fail_posts -= 1;
        return error(StatusCode::BAD_GATEWAY, "Server Error");
    }
    (StatusCode::CREATED, axum::Json(as_json(&comment))).into_response()
}

async fn update(
    State(state): State<Shared>,
    UrlPath((_, _, id)): UrlPath<(String, String, u64)>,
    headers: HeaderMap,
    axum::Json(request): axum::Json<Value>,
) -> Response {
    let mut github = state.lock().unwrap();
    github.requests.push(format!("PATCH {id}"));
    if let Some(refused) = authorized(&github, &headers, true) {
        return refused;
    }
    let body = request["body"].as_str().unwrap_or_default().to_owned();
    if body.chars().count() > 65_536 {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Body is too long (maximum is 65536 characters)",
        );
    }
    match github.comments.iter_mut().find(|c| c.id == id) {
        Some(comment) => {
            comment.body = body;
            let comment = comment.clone();
            axum::Json(as_json(&comment)).into_response()
        }
        None => error(StatusCode::NOT_FOUND, "Not Found"),
    }
}

async fn delete(
    State(state): State<Shared>,
    UrlPath((_, _, id)): UrlPath<(String, String, u64)>,
    headers: HeaderMap,
) -> Response {
    let mut github = state.lock().unwrap();
    github.requests.push(format!("DELETE {id}"));
    if let Some(refused) = authorized(&github, &headers, true) {
        return refused;
    }
    let before = github.comments.len();
    github.comments.retain(|c| c.id != id);
    if github.comments.len() == before {
        return error(StatusCode::NOT_FOUND, "Not Found");
    }
    StatusCode::NO_CONTENT.into_response()
}

/// A project with the repository's prompts and a saved plan of creating them all, then the
/// same after one template changed (a replace with a template diff).
struct Plans {
    dir: tempfile::TempDir,
    first: PathBuf,
    second: PathBuf,
}

fn plans() -> Plans {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    let first = dir.path().join("first.plan.json");
    let (code, _, stderr) = run(promptctl(dir.path()).args(["plan", "--out"]).arg(&first));
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(promptctl(dir.path()).args(["apply", "--auto-approve"]));
    assert_eq!(code, 0, "{stderr}");
    let file = dir
        .path()
        .join("prompts/incidents/generate_mock_incident_data.yaml");
    crate::common::new_version(&file, "v9.9.9", "A new first line.");
    let second = dir.path().join("second.plan.json");
    let (code, _, stderr) = run(promptctl(dir.path()).args(["plan", "--out"]).arg(&second));
    assert_eq!(code, 0, "{stderr}");
    Plans { dir, first, second }
}

fn ours(github: &StandIn) -> Vec<StoredComment> {
    github
        .comments()
        .into_iter()
        .filter(|c| c.body.contains("<!-- promptctl:plan -->"))
        .collect()
}

#[test]
fn the_first_run_creates_the_comment_and_later_runs_update_it_in_place() {
    let plans = plans();
    let github = StandIn::start();
    let (code, _, stderr) = github.comment_plan(plans.dir.path(), &plans.first, "100", &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("Commented on acme/prompts#7"), "{stderr}");
    let created = ours(&github);
    assert_eq!(created.len(), 1);
    assert!(created[0].body.contains("### promptctl plan"));
    assert!(created[0].body.contains("to create"));

    let (code, _, stderr) = github.comment_plan(plans.dir.path(), &plans.second, "200", &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("Updated the comment"), "{stderr}");
    let updated = ours(&github);
    assert_eq!(updated.len(), 1, "still one comment");
    assert_eq!(updated[0].id, created[0].id, "the same comment, edited");
    assert!(
        updated[0].body.contains("1 to replace"),
        "{}",
        updated[0].body
    );
    assert!(updated[0].body.contains("Template diff"));
    assert!(!stderr.contains(TOKEN), "the token leaked: {stderr}");
}

#[test]
fn the_marker_is_found_on_the_second_page_of_150_comments() {
    let plans = plans();
    let github = StandIn::start();
    let mut ours_id = 0;
    for i in 0..150 {
        if i == 120 {
            ours_id = github.seed(
                "github-actions[bot]",
                "<!-- promptctl:plan -->\nold plan\n<!-- promptctl:valid-at=50 -->\n",
            );
        } else {
            github.seed("reviewer", &format!("looks good {i}"));
        }
    }
    // Another project's comment on the same pull request: a different tag, left alone.
    let other = github.seed(
        "github-actions[bot]",
        "<!-- promptctl:plan-prod -->\nprod plan\n<!-- promptctl:valid-at=50 -->\n",
    );
    let (code, _, stderr) = github.comment_plan(plans.dir.path(), &plans.first, "60", &[]);
    assert_eq!(code, 0, "{stderr}");
    let comments = github.comments();
    assert_eq!(comments.len(), 151, "updated, not added");
    let updated = comments.iter().find(|c| c.id == ours_id).unwrap();
    assert!(updated.body.contains("### promptctl plan"));
    let untouched = comments.iter().find(|c| c.id == other).unwrap();
    assert!(untouched.body.contains("prod plan"));
    let requests = github.state.lock().unwrap().requests.clone();
    assert!(
        requests.iter().any(|r| r.contains("Some(\"2\")")),
        "the second page was read: {requests:?}"
    );
}

#[test]
fn an_older_run_never_overwrites_a_newer_runs_comment() {
    let plans = plans();
    let github = StandIn::start();
    let (code, _, stderr) = github.comment_plan(plans.dir.path(), &plans.second, "2000", &[]);
    assert_eq!(code, 0, "{stderr}");
    let before = ours(&github);

    let (code, _, stderr) = github.comment_plan(plans.dir.path(), &plans.first, "1000", &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("newer run"), "{stderr}");
    assert_eq!(ours(&github)[0].body, before[0].body, "left as it was");

    for behavior in ["new", "delete-and-new"] {
        let (code, _, stderr) = github.comment_plan(
            plans.dir.path(),
            &plans.first,
            "1000",
            &["--behavior", behavior],
        );
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(
            ours(&github).len(),
            1,
            "{behavior}: nothing added or deleted"
        );
    }
}

#[test]
fn a_502_is_retried_and_leaves_exactly_one_comment() {
    let plans = plans();
    let github = StandIn::start();
    github.state.lock().unwrap().fail_posts = 1;
    let (code, _, stderr) = github.comment_plan(plans.dir.path(), &plans.first, "1", &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        ours(&github).len(),
        1,
        "the lost create was found, not repeated"
    );
    assert!(
        stderr.contains("502"),
        "the retry is logged under -v: {stderr}"
    );
}

#[test]
fn a_403_says_which_permission_is_missing_and_posts_nothing() {
    let plans = plans();
    let github = StandIn::start();
    github.state.lock().unwrap().read_only = true;
    let (code, stdout, stderr) = github.comment(
        plans.dir.path(),
        &[
            "--pull-request",
            "7",
            "--plan",
            plans.first.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("pull-requests: write"), "{stderr}");
    assert!(
        stderr.contains("Resource not accessible by integration"),
        "{stderr}"
    );
    assert!(github.comments().is_empty());
    assert!(
        !stdout.contains(TOKEN) && !stderr.contains(TOKEN),
        "the token leaked"
    );
}

#[test]
fn a_wrong_token_or_pull_request_gets_a_clear_error() {
    let plans = plans();
    let github = StandIn::start();
    let (code, _, stderr) = run(promptctl(plans.dir.path())
        .args(["comment", "github", "--pull-request", "7", "--plan"])
        .arg(&plans.first)
        .env("GITHUB_API_URL", &github.url)
        .env("GITHUB_REPOSITORY", REPOSITORY)
        .env("GITHUB_TOKEN", "wrong-token"));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("401") && stderr.contains("GITHUB_TOKEN"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("wrong-token"),
        "the token leaked: {stderr}"
    );

    let (code, _, stderr) = github.comment(
        plans.dir.path(),
        &[
            "--pull-request",
            "8",
            "--plan",
            plans.first.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("404") && stderr.contains("pull request #8"),
        "{stderr}"
    );

    let (code, _, stderr) = run(promptctl(plans.dir.path())
        .args(["comment", "github", "--pull-request", "7", "--plan"])
        .arg(&plans.first)
        .env("GITHUB_REPOSITORY", REPOSITORY));
    assert_eq!(code, 1);
    assert!(stderr.contains("GITHUB_TOKEN is not set"), "{stderr}");
}

#[test]
fn the_pull_request_comes_from_the_event_and_no_changes_can_skip_the_comment() {
    let plans = plans();
    let github = StandIn::start();
    // A plan without changes: the store matches git after the first apply.
    let unchanged = plans.dir.path().join("none.plan.json");
    fs_err::write(
        plans
            .dir
            .path()
            .join("prompts/incidents/generate_mock_incident_data.yaml"),
        fs_err::read_to_string(
            crate::common::story_prompts().join("incidents/generate_mock_incident_data.yaml"),
        )
        .unwrap(),
    )
    .unwrap();
    let (code, _, stderr) = run(promptctl(plans.dir.path())
        .args(["plan", "--out"])
        .arg(&unchanged));
    assert_eq!(code, 0, "{stderr}");
    let event = plans.dir.path().join("event.json");
    fs_err::write(
        &event,
        r#"{"pull_request":{"number":7,"head":{"sha":"0000"}}}"#,
    )
    .unwrap();
    let (code, _, stderr) = run(promptctl(plans.dir.path())
        .args(["comment", "github", "--skip-no-diff", "--plan"])
        .arg(&unchanged)
        .env("GITHUB_API_URL", &github.url)
        .env("GITHUB_REPOSITORY", REPOSITORY)
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_EVENT_PATH", &event));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("nothing posted"), "{stderr}");
    assert!(github.comments().is_empty());
}

#[test]
fn a_plan_too_long_for_one_comment_keeps_its_table_and_cuts_the_diffs() {
    let dir = tempfile::tempdir().unwrap();
    let prompts = dir.path().join("prompts");
    fs_err::create_dir_all(&prompts).unwrap();
    let write = |version: &str, line: &str| {
        for i in 0..4 {
            let template: String = (0..3000)
                .map(|n| format!("  {line} {n} of prompt {i}.\n"))
                .collect();
            fs_err::write(
                prompts.join(format!("big_{i}.yaml")),
                format!(
                    "prompt_name: big_{i}\nprompt_version: {version}\nai_model: openai/gpt-5\nprompt_template: |\n{template}"
                ),
            )
            .unwrap();
        }
    };
    write("v1", "Line");
    let (code, _, stderr) = run(promptctl(dir.path()).args(["apply", "--auto-approve"]));
    assert_eq!(code, 0, "{stderr}");
    write("v2", "Changed line");
    let plan = dir.path().join("big.plan.json");
    let (code, _, stderr) = run(promptctl(dir.path()).args(["plan", "--out"]).arg(&plan));
    assert_eq!(code, 0, "{stderr}");
    let github = StandIn::start();
    let (code, _, stderr) = github.comment(
        dir.path(),
        &["--pull-request", "7", "--plan", plan.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stderr}");
    let body = &ours(&github)[0].body;
    assert!(
        body.chars().count() <= 65_536,
        "{} characters",
        body.chars().count()
    );
    for i in 0..4 {
        assert!(body.contains(&format!("| `big_{i}` |")), "row {i} kept");
    }
    assert!(body.contains("Plan: 0 to create, 0 to update, 4 to replace"));
    assert!(body.contains("cut to fit the comment"), "the cut is said");
    assert!(
        body.contains("<!-- promptctl:valid-at="),
        "the marker survives the cut"
    );
}

#[test]
fn an_outsiders_comment_with_the_marker_neither_hides_the_plan_nor_is_edited() {
    let plans = plans();
    let github = StandIn::start();
    // A far-future ordering key would make a run think a newer plan is there.
    let forged =
        "<!-- promptctl:plan -->\nnothing to see\n<!-- promptctl:valid-at=99999999999 -->\n";
    let outsider = github.seed("mallory", forged);
    // A reviewer quoting our comment carries the marker too.
    let quoted = github.seed(
        "reviewer",
        "> <!-- promptctl:plan -->\n> old plan\n\nWhy this model?",
    );
    let (code, _, stderr) = github.comment_plan(plans.dir.path(), &plans.first, "100", &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("Commented on"), "{stderr}");
    let comments = github.comments();
    assert_eq!(comments.len(), 3, "ours was added");
    let body_of = |id: u64| comments.iter().find(|c| c.id == id).unwrap().body.clone();
    assert_eq!(
        body_of(outsider),
        forged,
        "the outsider's comment is untouched"
    );
    assert!(body_of(quoted).starts_with("> "), "the quote is untouched");
    let ours = comments.last().unwrap();
    assert_eq!(ours.user, "github-actions[bot]");
    assert!(ours.body.contains("### promptctl plan"));

    // The next run edits ours and nothing else, and asks who it is first.
    let (code, _, stderr) = github.comment_plan(plans.dir.path(), &plans.second, "200", &[]);
    assert_eq!(code, 0, "{stderr}");
    let requests = github.state.lock().unwrap().requests.clone();
    let edits: Vec<&String> = requests.iter().filter(|r| r.starts_with("PATCH")).collect();
    assert_eq!(edits, [&format!("PATCH {}", ours.id)], "{requests:?}");
    assert!(requests.contains(&"GET user".to_owned()), "{requests:?}");
}

#[test]
fn with_a_personal_token_the_users_own_comments_are_ours() {
    let plans = plans();
    let github = StandIn::start();
    github.state.lock().unwrap().user = Some("octocat".to_owned());
    let bots = github.seed(
        "github-actions[bot]",
        "<!-- promptctl:plan -->\nold plan\n<!-- promptctl:valid-at=50 -->\n",
    );
    let mine = github.seed(
        "octocat",
        "<!-- promptctl:plan -->\nold plan\n<!-- promptctl:valid-at=50 -->\n",
    );
    let (code, _, stderr) = github.comment_plan(plans.dir.path(), &plans.first, "60", &[]);
    assert_eq!(code, 0, "{stderr}");
    let comments = github.comments();
    let body_of = |id: u64| comments.iter().find(|c| c.id == id).unwrap().body.clone();
    assert!(body_of(mine).contains("### promptctl plan"), "updated");
    assert!(
        body_of(bots).contains("old plan"),
        "another identity's: left"
    );
    assert_eq!(comments.len(), 2);

    // `--author` names the identity outright (a GitHub App's bot, say).
    let (code, _, stderr) = github.comment_plan(
        plans.dir.path(),
        &plans.second,
        "70",
        &["--author", "github-actions[bot]"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        github
            .comments()
            .iter()
            .any(|c| c.id == bots && c.body.contains("Template diff"))
    );
}

#[test]
fn a_failed_validation_marks_every_plan_comment_out_of_date_and_creates_none() {
    let plans = plans();
    let github = StandIn::start();
    // An earlier push left a plan per environment.
    for tag in ["plan-dev", "plan-prod"] {
        let (code, _, stderr) =
            github.comment_plan(plans.dir.path(), &plans.first, "100", &["--tag", tag]);
        assert_eq!(code, 0, "{stderr}");
    }
    let planned = github.comments();
    assert_eq!(planned.len(), 2);
    let reason = plans.dir.path().join("validate.txt");
    fs_err::write(
        &reason,
        "::error file=prompts/a.yaml,line=3,title=unknown-model::`openai/gpt-9` is not in the catalog%0Ahelp: …\nerror: 1 file has errors\n",
    )
    .unwrap();
    let (code, _, stderr) = github.comment(
        plans.dir.path(),
        &[
            "--pull-request",
            "7",
            "--out-of-date",
            reason.to_str().unwrap(),
            "--valid-at",
            "200",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let now = github.comments();
    assert_eq!(now.len(), 2, "none created: {now:?}");
    for (before, after) in planned.iter().zip(&now) {
        assert_eq!(before.id, after.id, "updated in place");
        let tag = if after.body.contains("<!-- promptctl:plan-dev -->") {
            "plan-dev"
        } else {
            "plan-prod"
        };
        assert!(
            after.body.starts_with(&format!("<!-- promptctl:{tag} -->")),
            "keeps its own tag: {}",
            after.body
        );
        assert!(after.body.contains("out of date"), "{}", after.body);
        assert!(
            after
                .body
                .contains("error: prompts/a.yaml:3: `openai/gpt-9` is not in the catalog"),
            "quotes why, by file and line: {}",
            after.body
        );
        assert!(!after.body.contains("to create"), "the old plan is gone");
    }
    // On a pull request with no plan comment, it posts nothing.
    let empty = StandIn::start();
    let (code, _, stderr) = empty.comment(
        plans.dir.path(),
        &[
            "--pull-request",
            "7",
            "--out-of-date",
            reason.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(empty.comments().is_empty());
}

#[test]
fn the_comment_names_the_commit_it_planned() {
    let plans = plans();
    let github = StandIn::start();
    let event = plans.dir.path().join("event.json");
    fs_err::write(
        &event,
        r#"{"number": 7, "pull_request": {"number": 7, "head": {"sha": "4f2a9c1e7b3d5a6f8e9d0c1b2a3f4e5d6c7b8a9f"}}}"#,
    )
    .unwrap();
    let (code, _, stderr) = run(promptctl(plans.dir.path())
        .args(["comment", "github", "--plan"])
        .arg(&plans.first)
        .args(["--valid-at", "100"])
        .env("GITHUB_API_URL", &github.url)
        .env("GITHUB_REPOSITORY", REPOSITORY)
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_EVENT_PATH", &event));
    assert_eq!(code, 0, "{stderr}");
    let body = &github.comments()[0].body;
    assert!(body.contains("for commit `4f2a9c1e7b3d`"), "{body}");
}
