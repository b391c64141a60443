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
}

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
    };
    let options = Options {
        skip_new: request.skip_no_diff && !has_changes,
        ..request.options.clone()
    };
    comment::post(&request.target, &options, &markdown)
        .await
        .map_err(OpsError::from)
}
