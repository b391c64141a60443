//! `promptctl comment github`

use std::path::Path;

use anyhow::{Context, anyhow};

use crate::cli::{CommentBehavior, CommentCommand, GithubCommentArgs};
use crate::error::ExitStatus;
use crate::github::actions::{PullRequestEvent, read_event};
use crate::github::comment::{Behavior, Options, Outcome, Target};
use crate::ops::comment::{CommentRequest, Content};
use crate::printer::Printer;
use crate::secret::Secret;

/// GitHub's public REST API, where `GITHUB_API_URL` does not name another.
const PUBLIC_API: &str = "https://api.github.com";

pub(super) async fn run(command: &CommentCommand, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let CommentCommand::Github(args) = command;
    let request = resolve(args, &|name| {
        std::env::var(name).ok().filter(|value| !value.is_empty())
    })?;
    let outcome = crate::ops::comment::comment(&request).await?;
    let pr = format!(
        "{}#{}",
        request.target.repository, request.target.pull_request
    );
    printer.status(&match outcome {
        Outcome::Created { url } => format!("Commented on {pr}: {url}"),
        Outcome::Updated { url } => format!("Updated the comment on {pr}: {url}"),
        Outcome::Replaced { deleted, url } => {
            format!("Deleted {deleted} earlier comment(s) and commented on {pr}: {url}")
        }
        Outcome::Newer { url, valid_at } => format!(
            "Left the comment on {pr} as it is: it holds a newer run's plan (commit of {} UTC): {url}",
            crate::time::format_ms(valid_at.saturating_mul(1000))
        ),
        Outcome::NoChanges => format!("No changes, and no comment on {pr} to update: nothing posted"),
    });
    Ok(ExitStatus::Success)
}

/// Flags first, then GitHub Actions' variables.
fn resolve(
    args: &GithubCommentArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<CommentRequest> {
    let event = match env("GITHUB_EVENT_PATH") {
        Some(path) => read_event(Path::new(&path)).with_context(|| {
            format!("cannot read the event payload GITHUB_EVENT_PATH names ({path})")
        })?,
        None => PullRequestEvent::default(),
    };
    let pull_request = args.pull_request.or(event.number).ok_or_else(|| {
        anyhow!("which pull request? Pass --pull-request N (it is read from the event only in a `pull_request` workflow)")
    })?;
    let repository = args
        .repository
        .clone()
        .or_else(|| env("GITHUB_REPOSITORY"))
        .ok_or_else(|| {
            anyhow!("which repository? Set GITHUB_REPOSITORY or pass --repository OWNER/NAME")
        })?;
    let valid_name = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    match repository.split_once('/') {
        Some((owner, name)) if valid_name(owner) && valid_name(name) => {}
        _ => anyhow::bail!("`{repository}` is not a repository: expected OWNER/NAME"),
    }
    let token = env("GITHUB_TOKEN").ok_or_else(|| {
        anyhow!("GITHUB_TOKEN is not set: in a workflow, `env: GITHUB_TOKEN: ${{{{ github.token }}}}` with `permissions: pull-requests: write`")
    })?;
    let head = event.head_sha.clone().or_else(|| env("GITHUB_SHA"));
    let valid_at = args
        .valid_at
        .or_else(|| crate::git::commit_time(head.as_deref().unwrap_or("HEAD")))
        .unwrap_or_else(|| crate::store::now_ms() / 1000);
    Ok(CommentRequest {
        target: Target {
            api_url: env("GITHUB_API_URL").unwrap_or_else(|| PUBLIC_API.to_owned()),
            repository,
            pull_request,
            token: Secret::new(token),
        },
        options: Options {
            tag: args.tag.clone(),
            behavior: match args.behavior {
                CommentBehavior::Update => Behavior::Update,
                CommentBehavior::New => Behavior::New,
                CommentBehavior::DeleteAndNew => Behavior::DeleteAndNew,
            },
            valid_at,
            skip_new: false,
            author: args.author.clone(),
            head_sha: head.or_else(|| crate::git::head_sha(Path::new("."))),
            family: false,
        },
        content: match (&args.plan, &args.body_file, &args.out_of_date) {
            (Some(plan), _, _) => Content::Plan(plan.clone()),
            (None, Some(body), _) => Content::BodyFile(body.clone()),
            (None, None, Some(reason)) => Content::OutOfDate(reason.clone()),
            (None, None, None) => {
                anyhow::bail!("pass --plan PLANFILE, --body-file FILE or --out-of-date FILE")
            }
        },
        skip_no_diff: args.skip_no_diff,
    })
}
