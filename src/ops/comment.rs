//! Post a plan (or any Markdown) as the pull request's one promptctl comment.

use std::path::PathBuf;

use crate::formats::saved_plan_v1 as file;
use crate::github::comment::{self, BODY_LIMIT, MARKER_ROOM, Options, Outcome, Target};
use crate::plan::render;

use super::OpsError;

/// What to post.
#[derive(Clone, Debug)]
pub enum Content {
    /// A saved plan, rendered as Markdown to fit the comment.
    Plan(PathBuf),
    /// A Markdown file, posted as it is.
    BodyFile(PathBuf),
    /// No plan was made for this commit (validation failed): the plans of earlier commits
    /// left on the pull request say they are out of date, and why (this file's text, the
    /// validation's output).
    OutOfDate(PathBuf),
}

/// Lines of the reason an out-of-date notice quotes, at most.
const REASON_LINES: usize = 60;

/// Everything `comment github` needs, resolved.
#[derive(Clone, Debug)]
pub struct CommentRequest {
    /// Where the comment goes, and the token to post it with.
    pub target: Target,
    /// The tag, what to do with an earlier comment, and this run's ordering key.
    pub options: Options,
    pub content: Content,
    /// With a plan: post nothing new when it has no changes.
    pub skip_no_diff: bool,
}

/// Post the comment; what happened, or why not.
pub async fn comment(request: &CommentRequest) -> Result<Outcome, OpsError> {
    let room = BODY_LIMIT - MARKER_ROOM;
    let (markdown, has_changes) = match &request.content {
        Content::Plan(path) => {
            let text = fs_err::read_to_string(path)?;
            let saved = file::read(&text).map_err(|error| {
                OpsError::Refused(format!("cannot read {}: {error}", path.display()))
            })?;
            (
                render::markdown_within(&saved.plan, saved.cost.as_ref(), room),
                saved.plan.has_changes(),
            )
        }
        Content::BodyFile(path) => {
            let text = fs_err::read_to_string(path)?;
            if text.chars().count() > room {
                return Err(OpsError::Refused(format!(
                    "{} has {} characters; a comment holds at most {room} besides promptctl's markers",
                    path.display(),
                    text.chars().count()
                )));
            }
            (text, true)
        }
        Content::OutOfDate(path) => (out_of_date(&fs_err::read_to_string(path)?), false),
    };
    let options = Options {
        skip_new: request.skip_no_diff && !has_changes,
        family: matches!(request.content, Content::OutOfDate(_)),
        ..request.options.clone()
    };
    comment::post(&request.target, &options, &markdown)
        .await
        .map_err(OpsError::from)
}

/// The notice that replaces a plan made for an earlier commit.
fn out_of_date(reason: &str) -> String {
    let lines: Vec<String> = reason.lines().filter_map(annotation_as_text).collect();
    let shown = &lines[lines.len().saturating_sub(REASON_LINES)..];
    let quoted: String = shown
        .iter()
        .map(|line| line.chars().take(300).collect::<String>() + "\n")
        .collect();
    let fence = crate::markdown::fence_for(&quoted);
    format!(
        "### promptctl plan — out of date\n\n\
         Validation failed for this commit, so no plan was made for it: the plan that was here \
         was for an earlier commit and no longer says what would change. Fix what validate \
         reports and push; the next run plans again.\n\n{fence}text\n{quoted}{fence}\n"
    )
}

/// A line of validate's output as the notice quotes it: a GitHub annotation
/// (`::error file=F,line=L,…::MESSAGE`) as `error: F:L: MESSAGE`, its first line only; other
/// workflow commands dropped; anything else as it is.
fn annotation_as_text(line: &str) -> Option<String> {
    let Some(command) = line.strip_prefix("::") else {
        return Some(line.to_owned());
    };
    let (head, message) = command.split_once("::")?;
    let (level, properties) = head.split_once(' ').unwrap_or((head, ""));
    if !matches!(level, "error" | "warning" | "notice") {
        return None;
    }
    let property = |name: &str| {
        properties
            .split(',')
            .find_map(|p| p.strip_prefix(name)?.strip_prefix('='))
    };
    let place = match (property("file"), property("line")) {
        (Some(file), Some(line)) => format!("{file}:{line}: "),
        (Some(file), None) => format!("{file}: "),
        _ => String::new(),
    };
    let first = message.split("%0A").next().unwrap_or_default();
    let first = first.replace("%0D", "").replace("%25", "%");
    Some(format!("{level}: {place}{first}"))
}
