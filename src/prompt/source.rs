//! Finding prompt files and reading them safely: size limit, UTF-8, no following of loops.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diag::{Code, Diagnostic};
use crate::yaml::Span;

/// Files above this are refused unread: no prompt needs a mebibyte, and a hostile one should
/// not cost memory.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// A prompt file's path and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: Arc<Path>,
    pub text: Arc<str>,
}

/// Whether a path names a prompt file by its extension.
pub fn is_prompt_file_name(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

/// Every prompt file under `roots`, sorted and without repeats. A root that is a file is taken
/// whatever its extension (the user named it); directories are walked for `*.yaml`/`*.yml`,
/// following symlinks but never around a loop, and never out of the project: a link whose
/// target lies outside it (`prompts/x.yaml -> /etc/passwd`) is refused unread. Problems met on
/// the way are diagnostics.
pub fn discover(roots: &[PathBuf]) -> (Vec<Arc<Path>>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for root in roots {
        let boundary = Boundary::of(root);
        let mut walker = walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter();
        while let Some(entry) = walker.next() {
            match entry {
                Ok(entry) => {
                    let path = entry.path();
                    let named_by_user = entry.depth() == 0;
                    if entry.path_is_symlink()
                        && let Some(outside) = boundary.refuses(path)
                    {
                        problems.push(outside);
                        if entry.file_type().is_dir() {
                            walker.skip_current_dir();
                        }
                        continue;
                    }
                    if entry.file_type().is_dir() {
                        if !named_by_user && is_prompt_file_name(path) {
                            problems.push(not_a_file(path, "a directory"));
                        }
                        continue;
                    }
                    if !(named_by_user || is_prompt_file_name(path)) {
                        continue;
                    }
                    if entry.file_type().is_file() {
                        files.push(Arc::from(path));
                    } else {
                        problems.push(not_a_file(path, "not a regular file"));
                    }
                }
                Err(error)
                    if error.depth() == 0 && !root.exists() && root.symlink_metadata().is_err() =>
                {
                    let file: Arc<Path> = Arc::from(root.as_path());
                    problems.push(
                        Diagnostic::error(
                            Code::UnreadableFile,
                            &file,
                            Span::FILE,
                            format!("{} does not exist", root.display()),
                        )
                        .with_help("pass the files or folders to check, or set `prompts_dir` in promptctl.yaml"),
                    );
                }
                Err(error) => {
                    let path = error.path().unwrap_or(root).to_path_buf();
                    if error.loop_ancestor().is_some()
                        || is_prompt_file_name(&path)
                        || path == *root
                    {
                        let file: Arc<Path> = Arc::from(path.as_path());
                        problems.push(
                            Diagnostic::error(
                                Code::UnreadableFile,
                                &file,
                                Span::FILE,
                                format!("cannot read {}: {}", path.display(), walk_error_text(&error)),
                            )
                            .with_help("fix or remove the path (a symlink loop, a broken link or missing permissions)"),
                        );
                    }
                }
            }
        }
    }
    files.sort();
    files.dedup();
    (files, problems)
}

/// The folder symbolic links may not lead out of: the project a root is in — the nearest
/// folder above it holding `promptctl.yaml` or `.git`, else the working directory when the
/// root is inside it — or, for a root outside any project, the root itself. Found from the
/// path as written, so a root that is itself a link is judged by where it sits, not by where
/// it points.
struct Boundary {
    /// Canonical; `None` when it cannot be resolved (then nothing is refused: the read that
    /// follows reports the path).
    folder: Option<PathBuf>,
}

impl Boundary {
    fn of(root: &Path) -> Boundary {
        let Ok(absolute) = std::path::absolute(root) else {
            return Boundary { folder: None };
        };
        let marked = absolute.ancestors().skip(1).find(|folder| {
            folder.join(super::CONFIG_FILE_NAME).is_file() || folder.join(".git").exists()
        });
        let folder = match marked {
            Some(folder) => folder.to_path_buf(),
            None => match std::env::current_dir() {
                Ok(cwd) if absolute.starts_with(&cwd) => cwd,
                _ if absolute.is_dir() => absolute.clone(),
                _ => absolute
                    .parent()
                    .map_or_else(|| absolute.clone(), Path::to_path_buf),
            },
        };
        Boundary {
            folder: folder.canonicalize().ok(),
        }
    }

    /// Why the link at `path` may not be read: its target lies outside the boundary.
    fn refuses(&self, path: &Path) -> Option<Diagnostic> {
        let folder = self.folder.as_ref()?;
        let target = path.canonicalize().ok()?;
        if target.starts_with(folder) {
            return None;
        }
        let file: Arc<Path> = Arc::from(path);
        Some(
            Diagnostic::error(
                Code::UnreadableFile,
                &file,
                Span::FILE,
                format!(
                    "{} is a symbolic link to {}, outside the project ({}); it was not read",
                    path.display(),
                    target.display(),
                    folder.display()
                ),
            )
            .with_help("links may point anywhere inside the project; copy the file in, or point the link inside it"),
        )
    }
}

fn walk_error_text(error: &walkdir::Error) -> String {
    if error.loop_ancestor().is_some() {
        return "symbolic links form a loop".to_owned();
    }
    error
        .io_error()
        .map_or_else(|| error.to_string(), std::string::ToString::to_string)
}

fn not_a_file(path: &Path, what: &str) -> Diagnostic {
    let file: Arc<Path> = Arc::from(path);
    Diagnostic::error(
        Code::NotAFile,
        &file,
        Span::FILE,
        format!(
            "{} is named like a prompt file but is {what}",
            path.display()
        ),
    )
    .with_help("prompt files are regular YAML files; rename or remove this path")
}

/// Read one file: refuse it when too large or not UTF-8, never read more than the limit.
pub fn read(path: &Arc<Path>) -> Result<SourceFile, Diagnostic> {
    let unreadable = |error: std::io::Error| {
        Diagnostic::error(
            Code::UnreadableFile,
            path,
            Span::FILE,
            format!("cannot read {}: {error}", path.display()),
        )
    };
    let file = fs_err::File::open(&**path).map_err(unreadable)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Diagnostic::error(
            Code::FileTooLarge,
            path,
            Span::FILE,
            format!(
                "{} is larger than {} KiB and was not read",
                path.display(),
                MAX_FILE_BYTES / 1024
            ),
        )
        .with_help(
            "a prompt file should hold one prompt; move large reference text out of the template",
        ));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile {
            path: Arc::clone(path),
            text: Arc::from(text.strip_prefix('\u{feff}').unwrap_or(&text)),
        }),
        Err(error) => {
            let valid = error.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(&error.as_bytes()[..valid]).into_owned();
            let span = Span::at(&text, valid, 0);
            Err(Diagnostic::error(
                Code::InvalidUtf8,
                path,
                span,
                format!("byte {valid} is not valid UTF-8"),
            )
            .with_help("save the file as UTF-8"))
        }
    }
}

/// Where `key` stands in the prompt file at `path`, for pointing at it from a later check (a
/// plan error, a comparison with git); the file's start where it cannot be read or parsed.
pub fn field_span(path: &Path, key: &str) -> Span {
    fs_err::read_to_string(path)
        .ok()
        .map_or(Span::FILE, |text| field_span_in(&text, key))
}

/// Where `key` is in a prompt file's `text`; the whole file if it cannot be found.
pub fn field_span_in(text: &str, key: &str) -> Span {
    crate::yaml::parse(text)
        .ok()
        .and_then(|root| root.entry(key).map(|(key, _)| key.span))
        .unwrap_or(Span::FILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovers_yaml_files_sorted_and_flags_odd_paths() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs_err::create_dir_all(root.join("b")).unwrap();
        fs_err::create_dir_all(root.join("dir.yaml")).unwrap();
        fs_err::write(root.join("b/z.yaml"), "").unwrap();
        fs_err::write(root.join("a.yml"), "").unwrap();
        fs_err::write(root.join("notes.txt"), "").unwrap();
        std::os::unix::fs::symlink("loop.yaml", root.join("loop.yaml")).unwrap();
        let (files, problems) = discover(&[root.to_path_buf()]);
        let names: Vec<_> = files
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["a.yml", "b/z.yaml"]);
        let codes: Vec<_> = problems.iter().map(|d| d.code).collect();
        assert!(codes.contains(&Code::NotAFile), "{problems:?}");
        assert!(codes.contains(&Code::UnreadableFile), "{problems:?}");
    }

    #[test]
    fn refuses_large_and_non_utf8_files() {
        let dir = tempfile::tempdir().unwrap();
        let big: Arc<Path> = Arc::from(dir.path().join("big.yaml"));
        fs_err::write(&big, vec![b'a'; 2 * 1024 * 1024]).unwrap();
        assert_eq!(read(&big).unwrap_err().code, Code::FileTooLarge);
        let bad: Arc<Path> = Arc::from(dir.path().join("bad.yaml"));
        fs_err::write(&bad, b"a: 1\nb: \xff\n").unwrap();
        let error = read(&bad).unwrap_err();
        assert_eq!(
            (error.code, error.span.line, error.span.column),
            (Code::InvalidUtf8, 2, 4)
        );
    }
}
