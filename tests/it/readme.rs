//! Every example in README.md runs, and prints what the README says it prints.
//!
//! A ```` ```console ```` block is a session in a fresh, empty folder: each `$ COMMAND` line runs
//! in bash (stdout and stderr together, as a terminal shows them) with this build's `promptctl`
//! first on `PATH`, colour off and today's date pinned to [`README_DAY`]; the lines after it,
//! up to the next `$`, are what it prints. A line `...` stands for any number of lines, and
//! `...` within a line for any text. A
//! command that exits non-zero says so in a trailing comment, `# exits N`. A fenced block whose
//! info string names a file (```` ```yaml file=prompts/a.yaml ````) is written there in the
//! folder of the next console block, before it runs.

use std::process::Command;

/// The day the README's examples are shown on: a week before `openai/gpt-5` is deprecated.
const README_DAY: &str = "2026-12-04";

#[derive(Debug, Default)]
struct Session {
    /// Line of the block's opening fence in README.md, for messages.
    line: usize,
    files: Vec<(String, String)>,
    steps: Vec<Step>,
}

#[derive(Debug)]
struct Step {
    command: String,
    exit: i32,
    expected: Vec<String>,
}

/// The README's sessions, in order.
fn sessions(readme: &str) -> Vec<Session> {
    let mut sessions = Vec::new();
    let mut files = Vec::new();
    let mut lines = readme.lines().enumerate();
    while let Some((number, line)) = lines.next() {
        let Some(info) = line.trim_start().strip_prefix("```") else {
            continue;
        };
        let body: Vec<&str> = lines
            .by_ref()
            .map(|(_, l)| l)
            .take_while(|l| l.trim_start() != "```")
            .collect();
        if let Some(path) = info
            .split_whitespace()
            .find_map(|w| w.strip_prefix("file="))
        {
            files.push((path.to_owned(), body.join("\n") + "\n"));
        } else if info.trim() == "console" {
            sessions.push(Session {
                line: number + 1,
                files: std::mem::take(&mut files),
                steps: steps(&body),
            });
        }
    }
    sessions
}

fn steps(body: &[&str]) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    for line in body {
        if let Some(command) = line.strip_prefix("$ ") {
            let (command, exit) = match command.rsplit_once("# exits ") {
                Some((command, code)) => (command.trim_end(), code.trim().parse().unwrap()),
                None => (command, 0),
            };
            steps.push(Step {
                command: command.to_owned(),
                exit,
                expected: Vec::new(),
            });
        } else if let Some(step) = steps.last_mut() {
            step.expected.push((*line).to_owned());
        }
    }
    steps
}

/// Whether `actual` lines are `expected`, where an expected `...` matches any lines.
fn matches(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first == "..." => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual.split_first().is_some_and(|(line, more)| {
            line_matches(first.trim_end(), line.trim_end()) && matches(rest, more)
        }),
    }
}

/// A line is the same, where `...` inside it stands for any text (a path, an id that differs
/// on every run).
fn line_matches(expected: &str, actual: &str) -> bool {
    let mut parts = expected.split("...");
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = actual.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

fn run_session(session: &Session) {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in &session.files {
        let path = dir.path().join(path);
        fs_err::create_dir_all(path.parent().unwrap()).unwrap();
        fs_err::write(path, text).unwrap();
    }
    let bin_dir = crate::common::bin().parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for step in &session.steps {
        let output = Command::new("bash")
            .arg("-c")
            .arg(format!("{{ {}\n}} 2>&1", step.command))
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", &path)
            .env("HOME", dir.path())
            .env("NO_COLOR", "1")
            .env("PROMPTCTL_TODAY", README_DAY)
            .env("PROMPTCTL_ACTOR", "readme")
            .output()
            .unwrap();
        let printed = String::from_utf8_lossy(&output.stdout);
        let actual: Vec<&str> = printed.trim_end().lines().collect();
        let code = output.status.code().unwrap_or(-1);
        let mut expected = step.expected.clone();
        while expected.last().is_some_and(|l| l.trim().is_empty()) {
            expected.pop();
        }
        assert!(
            code == step.exit && matches(&expected, &actual),
            "README.md:{}: `$ {}` exited {code} (the README says {}) and printed:\n{printed}\n--- the README shows:\n{}",
            session.line,
            step.command,
            step.exit,
            expected.join("\n")
        );
    }
}

#[test]
fn every_console_example_in_the_readme_prints_what_it_shows() {
    let readme = fs_err::read_to_string(crate::common::repo_root().join("README.md")).unwrap();
    let sessions = sessions(&readme);
    assert!(
        sessions.len() >= 6,
        "the README's examples are console blocks: found {}",
        sessions.len()
    );
    for session in &sessions {
        run_session(session);
    }
}

#[test]
fn the_matcher_skips_lines_only_at_an_ellipsis() {
    let expected = |lines: &[&str]| lines.iter().map(|l| (*l).to_owned()).collect::<Vec<_>>();
    assert!(matches(
        &expected(&["a", "...", "d"]),
        &["a", "b", "c", "d"]
    ));
    assert!(matches(&expected(&["a", "..."]), &["a"]));
    assert!(!matches(&expected(&["a", "d"]), &["a", "b", "d"]));
    assert!(!matches(&expected(&["a"]), &["a", "b"]));
    assert!(matches(
        &expected(&["Store: ..."]),
        &["Store: sqlite:/tmp/x"]
    ));
    assert!(!matches(&expected(&["Store: ..."]), &["Stored"]));
}
