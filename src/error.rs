//! How a run ends: the exit status, and errors that stop a command.

/// The process exit status of a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// Done; nothing wrong (warnings allowed).
    Success,
    /// The user's input has errors, or the command failed.
    Failure,
    /// `plan --detailed-exitcode`: there are changes to apply.
    Changes,
    /// A write whose outcome is unknown: it may or may not have been applied (its commit, or
    /// the server's answer, was lost). Never reported as a failure that changed nothing.
    Unknown,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Changes => 2,
            ExitStatus::Unknown => 3,
        }
    }
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        std::process::ExitCode::from(status.code())
    }
}
