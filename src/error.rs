//! How a run ends: the exit status, and the one error type that decides it.
//!
//! Commands work with `anyhow` inside; at the top every failure becomes an [`Error`], which
//! reads the typed causes in the chain, so "outcome unknown" (exit 3) cannot be lost to a
//! message, and a bug of ours is never passed off as the user's mistake.

use crate::ops::OpsError;
use crate::store::StoreError;

/// The process exit status of a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// Done; nothing wrong (warnings allowed).
    Success,
    /// The user's input has errors, the command was called wrongly, or it failed; nothing
    /// changed.
    Failure,
    /// `--detailed-exitcode`: there are changes to apply. Never anything else.
    Changes,
    /// A write whose outcome is unknown: it may or may not have been applied (its commit, or
    /// the server's answer, was lost). Never reported as a failure that changed nothing.
    Unknown,
    /// Interrupted (Ctrl-C) before anything was written.
    Interrupted,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Changes => 2,
            ExitStatus::Unknown => 3,
            ExitStatus::Interrupted => 130,
        }
    }
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        std::process::ExitCode::from(status.code())
    }
}

/// Why a command stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// What the user asked or gave cannot be done (bad flags, files, config, a refused
    /// plan, an unreachable store): nothing changed.
    #[error("{}", causes(.0))]
    User(anyhow::Error),
    /// A write was sent and its outcome is unknown.
    #[error("{}", causes(.0))]
    OutcomeUnknown(anyhow::Error),
    /// Ctrl-C before the write's commit: dropping the work rolled its transaction back.
    #[error("interrupted: nothing was written, the store is unchanged")]
    Interrupted,
    /// promptctl itself went wrong: not the user's doing.
    #[error(
        "{}\nThis is a bug in promptctl, not a problem with your files or store; please report it at https://github.com/promptctl/promptctl/issues",
        causes(.0)
    )]
    Bug(anyhow::Error),
}

/// An error and its causes, `: `-joined, each said once: many errors already quote their
/// source in their own message (`cannot read FILE: No such file…`), and the cause is then not
/// repeated after it.
fn causes(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let message = cause.to_string();
        if text.contains(&message) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&message);
    }
    text
}

/// promptctl's own failure, distinct from anything the user can fix: a thread that panicked,
/// a value that cannot be serialised.
#[derive(Debug, thiserror::Error)]
#[error("internal error: {0}")]
pub struct Bug(pub String);

impl Error {
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Error::User(_) | Error::Bug(_) => ExitStatus::Failure,
            Error::OutcomeUnknown(_) => ExitStatus::Unknown,
            Error::Interrupted => ExitStatus::Interrupted,
        }
    }
}

impl From<anyhow::Error> for Error {
    /// Read the typed causes: a lost commit anywhere in the chain makes the outcome unknown,
    /// a [`Bug`] is ours; anything else is a failure that changed nothing.
    fn from(error: anyhow::Error) -> Error {
        let unknown = error.chain().any(|cause| {
            matches!(
                cause.downcast_ref::<StoreError>(),
                Some(
                    StoreError::Unknown(_)
                        | StoreError::Partial {
                            answer_lost: true,
                            ..
                        }
                )
            ) || matches!(
                cause.downcast_ref::<OpsError>(),
                Some(OpsError::Store(
                    StoreError::Unknown(_)
                        | StoreError::Partial {
                            answer_lost: true,
                            ..
                        }
                ))
            )
        });
        if unknown {
            Error::OutcomeUnknown(error)
        } else if error.chain().any(|cause| {
            cause.is::<Bug>() || matches!(cause.downcast_ref::<OpsError>(), Some(OpsError::Bug(_)))
        }) {
            Error::Bug(error)
        } else {
            Error::User(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_commit_is_unknown_however_deep_it_is() {
        let error = anyhow::Error::new(StoreError::Unknown("the commit did not confirm".into()))
            .context("cannot apply plan.json");
        let error = Error::from(error);
        assert_eq!(error.exit_status(), ExitStatus::Unknown);
        assert_eq!(error.exit_status().code(), 3);
        let wrapped = anyhow::Error::new(OpsError::Store(StoreError::Unknown("lost".into())));
        assert_eq!(Error::from(wrapped).exit_status(), ExitStatus::Unknown);
    }

    #[test]
    fn bugs_are_told_apart_from_mistakes() {
        let bug = Error::from(anyhow::Error::new(Bug("a thread panicked".into())));
        assert!(matches!(bug, Error::Bug(_)));
        assert!(bug.to_string().contains("bug in promptctl"), "{bug}");
        assert_eq!(bug.exit_status().code(), 1);
        let mistake = Error::from(anyhow::anyhow!("`promptctl.yaml`: unknown field"));
        assert!(matches!(mistake, Error::User(_)));
        assert!(!mistake.to_string().contains("bug"));
        assert_eq!(Error::Interrupted.exit_status().code(), 130);
    }
}
