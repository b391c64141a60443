//! Reading files as they are at a git revision, through the `git` on `PATH` (for
//! `validate --base`). Two processes whatever the number of files: `ls-tree` lists them,
//! one `cat-file --batch` reads them all.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Files larger than this at the base revision are skipped, as on disk.
const MAX_FILE_BYTES: u64 = crate::prompt::source::MAX_FILE_BYTES;

/// Why files at a revision could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("cannot run git ({0}): is it installed and on PATH?")]
    NotRunnable(std::io::Error),
    #[error("{} is not inside a git repository", .0.display())]
    NotARepository(PathBuf),
    #[error(
        "git revision `{0}` not found: fetch it first (in GitHub Actions, `actions/checkout` with `fetch-depth: 0`)"
    )]
    UnknownRevision(String),
    #[error("git {command} failed: {stderr}")]
    Failed { command: String, stderr: String },
}

/// A file as it is at a revision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevisionFile {
    /// The path it would have in the working tree.
    pub path: PathBuf,
    pub text: String,
}

/// The `*.yaml` and `*.yml` files under `roots` (files or folders of the working tree) as they
/// are at `revision`, and the commit that names. Files that are not UTF-8 or are over the size
/// limit are left out: the base side of a comparison is read, not validated.
pub fn files_at(
    revision: &str,
    roots: &[PathBuf],
) -> Result<(String, Vec<RevisionFile>), GitError> {
    let anchor = roots
        .first()
        .map(|root| existing_dir(root))
        .unwrap_or_else(|| PathBuf::from("."));
    let toplevel = PathBuf::from(
        run(&anchor, &["rev-parse", "--show-toplevel"], None)
            .map_err(|_| GitError::NotARepository(anchor.clone()))?
            .trim_end(),
    );
    let commit = run(
        &toplevel,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{revision}^{{commit}}"),
        ],
        None,
    )
    .map_err(|_| GitError::UnknownRevision(revision.to_owned()))?
    .trim()
    .to_owned();
    let toplevel = toplevel
        .canonicalize()
        .map_err(|_| GitError::NotARepository(toplevel.clone()))?;
    let mut pathspecs = Vec::new();
    for root in roots {
        let absolute = std::path::absolute(root).unwrap_or_else(|_| root.clone());
        let absolute = canonical_prefix(&absolute);
        let Ok(relative) = absolute.strip_prefix(&toplevel) else {
            return Err(GitError::NotARepository(root.clone()));
        };
        pathspecs.push(if relative.as_os_str().is_empty() {
            ".".to_owned()
        } else {
            relative.to_string_lossy().replace('\\', "/")
        });
    }
    let mut args = vec!["ls-tree", "-r", "-z", "--full-tree", commit.as_str(), "--"];
    args.extend(pathspecs.iter().map(String::as_str));
    let listing = run(&toplevel, &args, None)?;
    let blobs: Vec<(&str, &str)> = listing
        .split('\0')
        .filter_map(|entry| {
            let (meta, path) = entry.split_once('\t')?;
            let mut meta = meta.split(' ');
            let (_mode, kind, id) = (meta.next()?, meta.next()?, meta.next()?);
            let yaml = path.ends_with(".yaml") || path.ends_with(".yml");
            (kind == "blob" && yaml).then_some((id, path))
        })
        .collect();
    if blobs.is_empty() {
        return Ok((commit, Vec::new()));
    }
    let request: String = blobs.iter().map(|(id, _)| format!("{id}\n")).collect();
    let contents = run_bytes(
        &toplevel,
        &["cat-file", "--batch"],
        Some(request.as_bytes()),
    )?;
    let texts = split_batch(&contents);
    let files = blobs
        .iter()
        .zip(texts)
        .filter_map(|((_, path), bytes)| {
            let bytes = bytes?;
            if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_FILE_BYTES {
                return None;
            }
            let text = String::from_utf8(bytes.to_vec()).ok()?;
            Some(RevisionFile {
                path: relative_to_cwd(&toplevel.join(path)),
                text,
            })
        })
        .collect();
    Ok((commit, files))
}

/// The committer time of `revision` in the repository around the working directory, in Unix
/// seconds; `None` outside a repository or for an unknown revision.
pub fn commit_time(revision: &str) -> Option<i64> {
    run(
        Path::new("."),
        &["log", "-1", "--format=%ct", revision, "--"],
        None,
    )
    .ok()?
    .trim()
    .parse()
    .ok()
}

/// The commit id of `HEAD` in the repository around `dir`; `None` outside one.
pub fn head_sha(dir: &Path) -> Option<String> {
    let sha = run(dir, &["rev-parse", "--verify", "--quiet", "HEAD"], None).ok()?;
    Some(sha.trim().to_owned()).filter(|sha| !sha.is_empty())
}

/// The contents of each object in `git cat-file --batch` output, in order (`None` for one git
/// reports missing).
fn split_batch(mut output: &[u8]) -> Vec<Option<&[u8]>> {
    let mut objects = Vec::new();
    while !output.is_empty() {
        let Some(end) = output.iter().position(|&b| b == b'\n') else {
            break;
        };
        let header = String::from_utf8_lossy(&output[..end]);
        output = &output[end + 1..];
        let size = header
            .rsplit(' ')
            .next()
            .and_then(|size| size.parse::<usize>().ok());
        match size {
            Some(size) if !header.ends_with(" missing") && size <= output.len() => {
                objects.push(Some(&output[..size]));
                // Each object is followed by a newline.
                output = output.get(size + 1..).unwrap_or_default();
            }
            _ => objects.push(None),
        }
    }
    objects
}

/// The folder to run git in for `root`: itself, or the folder holding it.
fn existing_dir(root: &Path) -> PathBuf {
    if root.is_dir() {
        root.to_path_buf()
    } else {
        match root.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }
}

/// `path` with its longest existing prefix resolved (a file deleted in the branch still has a
/// folder that exists), so it compares with git's resolved top level.
fn canonical_prefix(path: &Path) -> PathBuf {
    let mut missing = Vec::new();
    let mut current = path.to_path_buf();
    loop {
        if let Ok(resolved) = current.canonicalize() {
            return missing
                .iter()
                .rev()
                .fold(resolved, |acc, part| acc.join(part));
        }
        match (current.file_name(), current.parent()) {
            (Some(name), Some(parent)) => {
                missing.push(name.to_os_string());
                current = parent.to_path_buf();
            }
            _ => return path.to_path_buf(),
        }
    }
}

/// A path as the user would write it: relative to the working directory where it is inside it.
fn relative_to_cwd(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| cwd.canonicalize().ok())
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}

fn run(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Result<String, GitError> {
    let bytes = run_bytes(dir, args, stdin)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn run_bytes(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Result<Vec<u8>, GitError> {
    tracing::debug!("git {} (in {})", args.join(" "), dir.display());
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(GitError::NotRunnable)?;
    // Written from a thread: git writes while it reads, and a full pipe on both sides would
    // block both processes.
    let writer = match (stdin, child.stdin.take()) {
        (Some(input), Some(mut pipe)) => {
            let input = input.to_vec();
            Some(std::thread::spawn(move || pipe.write_all(&input)))
        }
        _ => None,
    };
    let output = child.wait_with_output().map_err(GitError::NotRunnable)?;
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    if !output.status.success() {
        return Err(GitError::Failed {
            command: args.first().copied().unwrap_or_default().to_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    Ok(output.stdout)
}

#[cfg(test)]
mod tests {
    use super::split_batch;

    #[test]
    fn splits_cat_file_batch_output() {
        let output = b"aaa blob 3\nabc\nbbb missing\nccc blob 0\n\n";
        assert_eq!(
            split_batch(output),
            vec![Some(&b"abc"[..]), None, Some(&b""[..])]
        );
    }
}
