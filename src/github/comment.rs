//! One pull-request comment holding the plan, updated in place on every run.
//!
//! The comment carries two hidden markers: `<!-- promptctl:TAG -->` finds it again (several
//! projects or environments share a pull request by tag), and `<!-- promptctl:valid-at=N -->`
//! orders runs — the commit time of the code planned, so a slow run of an older commit never
//! overwrites the plan of a newer one. Comments are found by paging through all of them.
//!
//! GitHub is called over its REST API. 5xx answers and rate limits are retried with backoff; a
//! create that may have landed before its answer was lost is looked for before it is sent
//! again, so a retry never leaves two comments. The token is a [`Secret`]: it reaches the
//! `Authorization` header and nothing else.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// GitHub refuses comment bodies over this many characters.
pub const BODY_LIMIT: usize = 65_536;

/// Room kept in a body for the markers and the line under the plan.
pub const MARKER_ROOM: usize = 512;

/// Where the comment goes.
#[derive(Clone, Debug)]
pub struct Target {
    /// The REST API's root, `https://api.github.com` or a GitHub Enterprise `…/api/v3`.
    pub api_url: String,
    /// `owner/repo`.
    pub repository: String,
    pub pull_request: u64,
    pub token: Secret,
}

/// What to do with an earlier comment of the same tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behavior {
    /// Edit it in place (or create one): one living comment.
    Update,
    /// Leave it, and add a new one.
    New,
    /// Delete it, and add a new one at the bottom of the conversation.
    DeleteAndNew,
}

/// How to post.
#[derive(Clone, Debug)]
pub struct Options {
    /// Names the comment among others on the pull request: `[A-Za-z0-9_.-]+`.
    pub tag: String,
    pub behavior: Behavior,
    /// The ordering key of this run (Unix seconds of the commit planned): a comment whose key
    /// is later is never overwritten or deleted.
    pub valid_at: i64,
    /// Post nothing new when the content has no changes; a comment already there is still
    /// updated, so it never shows changes that are gone.
    pub skip_new: bool,
    /// Whose comments are ours (a login); `None`: the token's own identity, asked of GitHub.
    pub author: Option<String>,
    /// The commit the content is about (the pull request's head), named under it.
    pub head_sha: Option<String>,
    /// Update every comment of this tag's family — the tag itself and `TAG-…` (one per
    /// environment: `plan-dev`, `plan-prod`) — and create none: how a run that made no plan
    /// marks the plans it leaves behind as out of date.
    pub family: bool,
}

/// Who writes with the token GitHub Actions gives a workflow. `GET /user` answers 403 for that
/// token, so this is its identity when GitHub will not say.
pub const ACTIONS_BOT: &str = "github-actions[bot]";

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Created {
        url: String,
    },
    Updated {
        url: String,
    },
    /// Earlier comments deleted, then a new one created.
    Replaced {
        deleted: usize,
        url: String,
    },
    /// Nothing posted: a newer run's comment is there.
    Newer {
        url: String,
        valid_at: i64,
    },
    /// Nothing posted: no changes and nothing to update (`--skip-no-diff`).
    NoChanges,
}

/// Why posting failed.
#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    #[error("the comment tag `{0}` may hold only letters, digits, `_`, `.` and `-`")]
    BadTag(String),
    #[error(
        "GitHub refused the token (401 {0}): set GITHUB_TOKEN to a token that is valid (in a workflow, `env: GITHUB_TOKEN: ${{{{ github.token }}}}`)"
    )]
    Unauthorized(String),
    #[error(
        "GitHub refused to let the token comment on {repository} (403 {message}): give the job `permissions: pull-requests: write` (a pull request from a fork gets a read-only token: use `pull_request_target` or post from a separate workflow)"
    )]
    Forbidden { repository: String, message: String },
    #[error(
        "GitHub found no {what} (404 {message}): check GITHUB_REPOSITORY and --pull-request; a token without access to a private repository also gets 404"
    )]
    NotFound { what: String, message: String },
    #[error("GitHub answered {status} to {request}: {message}")]
    Status {
        status: u16,
        request: String,
        message: String,
    },
    #[error("cannot reach GitHub at {url}: {source}")]
    Unreachable {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("GitHub answered {request} with a body that is not what its API documents: {0}", request = .1)]
    BadAnswer(String, String),
}

/// Post `markdown` as the tagged comment on the pull request, as `options` say.
pub async fn post(
    target: &Target,
    options: &Options,
    markdown: &str,
) -> Result<Outcome, GithubError> {
    if options.tag.is_empty()
        || !options
            .tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Err(GithubError::BadTag(options.tag.clone()));
    }
    let client = Client::new(target)?;
    let author = match &options.author {
        Some(author) => author.clone(),
        None => client.identity().await?,
    };
    let marker = marker(&options.tag);
    let body = compose(options, &options.tag, markdown);
    let ours: Vec<Comment> = client
        .comments()
        .await?
        .into_iter()
        .filter(|c| {
            c.written_by(&author)
                && c.body.as_deref().is_some_and(|b| match options.family {
                    false => b.starts_with(&marker),
                    true => tag_of(b).is_some_and(|tag| in_family(tag, &options.tag)),
                })
        })
        .collect();
    if let Some(newer) = ours
        .iter()
        .filter_map(|c| Some((c, valid_at(c.body.as_deref()?)?)))
        .filter(|(_, at)| *at > options.valid_at)
        .max_by_key(|(_, at)| *at)
    {
        return Ok(Outcome::Newer {
            url: newer.0.html_url.clone(),
            valid_at: newer.1,
        });
    }
    if options.family {
        let mut last = None;
        for comment in &ours {
            let tag = comment
                .body
                .as_deref()
                .and_then(tag_of)
                .unwrap_or(&options.tag);
            last = Some(
                client
                    .update(comment.id, &compose(options, tag, markdown))
                    .await?,
            );
        }
        return Ok(match last {
            Some(updated) => Outcome::Updated {
                url: updated.html_url,
            },
            None => Outcome::NoChanges,
        });
    }
    match options.behavior {
        Behavior::Update => match ours.last() {
            Some(existing) => {
                let updated = client.update(existing.id, &body).await?;
                Ok(Outcome::Updated {
                    url: updated.html_url,
                })
            }
            None if options.skip_new => Ok(Outcome::NoChanges),
            None => Ok(Outcome::Created {
                url: client.create(&body).await?.html_url,
            }),
        },
        _ if options.skip_new => Ok(Outcome::NoChanges),
        Behavior::New => Ok(Outcome::Created {
            url: client.create(&body).await?.html_url,
        }),
        Behavior::DeleteAndNew => {
            for comment in &ours {
                client.delete(comment.id).await?;
            }
            let url = client.create(&body).await?.html_url;
            Ok(Outcome::Replaced {
                deleted: ours.len(),
                url,
            })
        }
    }
}

/// `<!-- promptctl:TAG -->`
pub fn marker(tag: &str) -> String {
    format!("<!-- promptctl:{tag} -->")
}

const VALID_AT: &str = "<!-- promptctl:valid-at=";

/// The tag a body's marker names.
fn tag_of(body: &str) -> Option<&str> {
    body.strip_prefix("<!-- promptctl:")?
        .split_once(" -->")
        .map(|(tag, _)| tag)
        .filter(|tag| !tag.contains(char::is_whitespace))
}

/// `plan` and `plan-dev` are of the family `plan`; `planner` is not.
fn in_family(tag: &str, family: &str) -> bool {
    tag == family
        || tag
            .strip_prefix(family)
            .is_some_and(|rest| rest.starts_with('-'))
}

/// The comment's body: the marker, the Markdown, the commit it is about, and the run's
/// ordering key.
pub fn compose(options: &Options, tag: &str, markdown: &str) -> String {
    let commit = match &options.head_sha {
        Some(sha) => format!(
            "commit `{}` ({} UTC)",
            short_sha(sha),
            when(options.valid_at)
        ),
        None => format!("the commit of {} UTC", when(options.valid_at)),
    };
    format!(
        "{}\n{markdown}\n<sub>Posted by promptctl {} for {commit}.</sub>\n{VALID_AT}{} -->\n",
        marker(tag),
        env!("CARGO_PKG_VERSION"),
        options.valid_at,
    )
}

fn when(valid_at: i64) -> String {
    crate::time::format_ms(valid_at.saturating_mul(1000))
}

/// The first 12 characters of a commit id, if it is one (anything else is not ours to print).
fn short_sha(sha: &str) -> String {
    sha.chars()
        .filter(char::is_ascii_hexdigit)
        .take(12)
        .collect()
}

/// The ordering key a body carries (the last one: the Markdown above it is not ours to trust).
fn valid_at(body: &str) -> Option<i64> {
    let at = body.rfind(VALID_AT)? + VALID_AT.len();
    let digits: String = body[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    digits.parse().ok()
}

#[derive(Debug, Deserialize, Serialize)]
struct Comment {
    id: u64,
    html_url: String,
    body: Option<String>,
    user: Option<User>,
}

#[derive(Debug, Deserialize, Serialize)]
struct User {
    login: String,
}

impl Comment {
    fn written_by(&self, login: &str) -> bool {
        self.user
            .as_ref()
            .is_some_and(|user| user.login.eq_ignore_ascii_case(login))
    }
}

/// Comments are listed this many a page, GitHub's maximum.
const PER_PAGE: usize = 100;
/// A bound on paging, against an API that keeps saying "next".
const MAX_PAGES: usize = 1000;
/// Tries of one request before its failure is reported.
const ATTEMPTS: u32 = 5;
/// The first wait before a retry; it doubles each time.
const BACKOFF: Duration = Duration::from_millis(500);
/// The longest wait for a rate limit to lift.
const MAX_WAIT: Duration = Duration::from_secs(60);

struct Client<'a> {
    http: reqwest::Client,
    target: &'a Target,
    api: String,
}

/// How a request may be retried.
#[derive(Clone, Copy)]
enum Retry<'a> {
    /// Send it again as it is: listing, updating and deleting repeat harmlessly.
    Repeat,
    /// A create: before sending it again, look for a comment with this body, which the lost
    /// answer may have created.
    LookFirst(&'a str),
}

/// One answer, read whole.
struct Answer {
    /// A rate limit reads as 429, whether GitHub sent 403 or 429.
    status: StatusCode,
    /// The `rel="next"` page.
    next: Option<String>,
    /// How long GitHub asks to wait before the next try.
    wait: Option<Duration>,
    body: String,
}

impl Answer {
    /// The answer a create would have had, for one found to have landed.
    fn landed(comment: &Comment) -> Answer {
        Answer {
            status: StatusCode::CREATED,
            next: None,
            wait: None,
            body: serde_json::to_string(comment).unwrap_or_default(),
        }
    }
}

impl<'a> Client<'a> {
    fn new(target: &'a Target) -> Result<Client<'a>, GithubError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .user_agent(concat!("promptctl/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|source| GithubError::Unreachable {
                url: target.api_url.clone(),
                source,
            })?;
        Ok(Client {
            http,
            target,
            api: target.api_url.trim_end_matches('/').to_owned(),
        })
    }

    fn issue_url(&self) -> String {
        format!(
            "{}/repos/{}/issues/{}/comments",
            self.api, self.target.repository, self.target.pull_request
        )
    }

    fn comment_url(&self, id: u64) -> String {
        format!(
            "{}/repos/{}/issues/comments/{id}",
            self.api, self.target.repository
        )
    }

    /// The login the token writes as: `GET /user`, or [`ACTIONS_BOT`] for an Actions token,
    /// which may not read it (403).
    async fn identity(&self) -> Result<String, GithubError> {
        let url = format!("{}/user", self.api);
        match self.send(Method::GET, &url, None, Retry::Repeat).await {
            Ok(answer) => Ok(parse::<User>(&answer.body, "reading the token's user")?.login),
            Err(GithubError::Forbidden { .. }) => Ok(ACTIONS_BOT.to_owned()),
            Err(error) => Err(error),
        }
    }

    /// Every comment on the pull request, oldest first, following GitHub's `Link` pages.
    async fn comments(&self) -> Result<Vec<Comment>, GithubError> {
        let mut all = Vec::new();
        let mut url = format!("{}?per_page={PER_PAGE}&page=1", self.issue_url());
        for page in 1..=MAX_PAGES {
            let answer = self.send(Method::GET, &url, None, Retry::Repeat).await?;
            let comments: Vec<Comment> = parse(&answer.body, "listing comments")?;
            let full = comments.len() == PER_PAGE;
            all.extend(comments);
            // Only links back to the same API are followed: the token goes with each request.
            url = match answer.next {
                Some(next) if next.starts_with(&format!("{}/", self.api)) => next,
                Some(_) | None if full => {
                    format!("{}?per_page={PER_PAGE}&page={}", self.issue_url(), page + 1)
                }
                _ => break,
            };
        }
        Ok(all)
    }

    async fn create(&self, body: &str) -> Result<Comment, GithubError> {
        let answer = self
            .send(
                Method::POST,
                &self.issue_url(),
                Some(&serde_json::json!({ "body": body })),
                Retry::LookFirst(body),
            )
            .await?;
        parse(&answer.body, "creating the comment")
    }

    async fn update(&self, id: u64, body: &str) -> Result<Comment, GithubError> {
        let answer = self
            .send(
                Method::PATCH,
                &self.comment_url(id),
                Some(&serde_json::json!({ "body": body })),
                Retry::Repeat,
            )
            .await?;
        parse(&answer.body, "updating the comment")
    }

    async fn delete(&self, id: u64) -> Result<(), GithubError> {
        match self
            .send(Method::DELETE, &self.comment_url(id), None, Retry::Repeat)
            .await
        {
            // Already gone (another run deleted it): what was asked for is done.
            Err(GithubError::NotFound { .. }) => Ok(()),
            other => other.map(|_| ()),
        }
    }

    /// A request, retried with backoff on 5xx, rate limits and lost answers, as `retry` allows.
    async fn send(
        &self,
        method: Method,
        url: &str,
        json: Option<&serde_json::Value>,
        retry: Retry<'_>,
    ) -> Result<Answer, GithubError> {
        let what = describe(&method);
        let mut wait = BACKOFF;
        for attempt in 1..=ATTEMPTS {
            match self.send_once(method.clone(), url, json).await {
                Ok(answer) if answer.status.is_success() => return Ok(answer),
                Ok(answer) => match retry_after(&answer, wait) {
                    Some(delay) if attempt < ATTEMPTS => tokio::time::sleep(delay).await,
                    _ => return Err(self.failure(&answer, what)),
                },
                Err(error) if attempt < ATTEMPTS => {
                    tracing::debug!("{what}: {error}; retrying");
                    tokio::time::sleep(wait).await;
                }
                Err(error) => return Err(error),
            }
            wait *= 2;
            // A create may have landed before its answer was lost: look before sending again.
            if let Retry::LookFirst(body) = retry
                && let Some(landed) = Box::pin(self.comments())
                    .await?
                    .into_iter()
                    .find(|c| c.body.as_deref() == Some(body))
            {
                return Ok(Answer::landed(&landed));
            }
        }
        Err(GithubError::Status {
            status: 0,
            request: url.to_owned(),
            message: "no answer".to_owned(),
        })
    }

    async fn send_once(
        &self,
        method: Method,
        url: &str,
        json: Option<&serde_json::Value>,
    ) -> Result<Answer, GithubError> {
        let started = std::time::Instant::now();
        let mut request = self
            .http
            .request(method.clone(), url)
            .bearer_auth(self.target.token.expose())
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28");
        if let Some(json) = json {
            request = request.json(json);
        }
        let unreachable = |source| GithubError::Unreachable {
            url: url.to_owned(),
            source,
        };
        let response = request.send().await.map_err(unreachable)?;
        let headers = response.headers().clone();
        let status = response.status();
        let body = response.text().await.map_err(unreachable)?;
        tracing::debug!(
            "{method} {url} → {} in {:.1} ms",
            status.as_u16(),
            started.elapsed().as_secs_f64() * 1000.0
        );
        Ok(Answer {
            status: rate_limit_status(status, &headers, &body).unwrap_or(status),
            next: headers
                .get("link")
                .and_then(|v| v.to_str().ok())
                .and_then(next_link),
            wait: header_delay(&headers),
            body,
        })
    }

    fn failure(&self, answer: &Answer, request: &str) -> GithubError {
        let message = github_message(&answer.body);
        match answer.status.as_u16() {
            401 => GithubError::Unauthorized(message),
            403 => GithubError::Forbidden {
                repository: self.target.repository.clone(),
                message,
            },
            404 => GithubError::NotFound {
                what: format!(
                    "pull request #{} in {}",
                    self.target.pull_request, self.target.repository
                ),
                message,
            },
            status => GithubError::Status {
                status,
                request: request.to_owned(),
                message,
            },
        }
    }
}

fn describe(method: &Method) -> &'static str {
    match *method {
        Method::GET => "listing comments",
        Method::PATCH => "updating the comment",
        Method::DELETE => "deleting the old comment",
        _ => "creating the comment",
    }
}

/// A 403 or 429 that is a rate limit (primary or secondary) reads as 429, so one rule retries
/// both.
fn rate_limit_status(
    status: StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &str,
) -> Option<StatusCode> {
    let limited = status == StatusCode::TOO_MANY_REQUESTS
        || (status == StatusCode::FORBIDDEN
            && (headers.contains_key("retry-after")
                || headers
                    .get("x-ratelimit-remaining")
                    .is_some_and(|v| v.as_bytes() == b"0")
                || github_message(body).contains("secondary rate limit")));
    limited.then_some(StatusCode::TOO_MANY_REQUESTS)
}

/// How long GitHub asks us to wait: `retry-after` seconds, or until `x-ratelimit-reset`.
fn header_delay(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let number = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    if let Some(seconds) = number("retry-after") {
        return Some(Duration::from_secs(seconds));
    }
    let reset = number("x-ratelimit-reset")?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Some(Duration::from_secs(reset.saturating_sub(now)))
}

/// Whether (and after how long) a failed answer is worth another try.
fn retry_after(answer: &Answer, backoff: Duration) -> Option<Duration> {
    match answer.status {
        StatusCode::TOO_MANY_REQUESTS => Some(answer.wait.unwrap_or(backoff).min(MAX_WAIT)),
        status if status.is_server_error() => Some(backoff),
        _ => None,
    }
}

/// The `rel="next"` URL of a `Link` header.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim() == "rel=\"next\"")
            .then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_owned()
            })
    })
}

/// GitHub's `message` in an error body, or the start of the body.
fn github_message(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| body.chars().take(200).collect())
}

fn parse<T: serde::de::DeserializeOwned>(body: &str, request: &str) -> Result<T, GithubError> {
    serde_json::from_str(body)
        .map_err(|error| GithubError::BadAnswer(error.to_string(), request.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_next_page() {
        let header = r#"<https://api.github.com/repositories/1/issues/2/comments?page=2>; rel="next", <https://api.github.com/repositories/1/issues/2/comments?page=5>; rel="last""#;
        assert_eq!(
            next_link(header).as_deref(),
            Some("https://api.github.com/repositories/1/issues/2/comments?page=2")
        );
        assert_eq!(next_link(r#"<https://x/?page=1>; rel="prev""#), None);
    }

    fn options(valid_at: i64) -> Options {
        Options {
            tag: "plan".to_owned(),
            behavior: Behavior::Update,
            valid_at,
            skip_new: false,
            author: None,
            head_sha: Some("0123456789abcdef0123".to_owned()),
            family: false,
        }
    }

    #[test]
    fn reads_back_the_ordering_key_it_wrote() {
        let body = compose(&options(1_764_600_000), "plan", "### promptctl plan\n");
        assert!(body.contains("for commit `0123456789ab` ("), "{body}");
        assert!(body.starts_with("<!-- promptctl:plan -->\n"));
        assert_eq!(valid_at(&body), Some(1_764_600_000));
        assert_eq!(valid_at("no marker"), None);
    }

    #[test]
    fn a_tag_family_is_the_tag_and_its_dashed_children() {
        assert!(in_family("plan", "plan"));
        assert!(in_family("plan-dev", "plan"));
        assert!(!in_family("planner", "plan"));
        assert_eq!(tag_of("<!-- promptctl:plan-dev -->\nx"), Some("plan-dev"));
        assert_eq!(tag_of("no marker"), None);
    }

    #[test]
    fn a_forged_key_in_the_markdown_does_not_count() {
        let body = compose(
            &options(5),
            "plan",
            "<!-- promptctl:valid-at=99999999999 -->",
        );
        assert_eq!(valid_at(&body), Some(5));
    }
}
