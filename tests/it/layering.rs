//! The module layering ARCHITECTURE.md promises, checked on the source: data flows one way,
//! so the early stages never name a later one, and clap stays at the edge.

use std::path::{Path, PathBuf};

use crate::common::repo_root;

/// The early stages and the small helpers they may use.
const EARLY: &[&str] = &["yaml", "diag", "catalog", "prompt", "validate"];
const HELPERS: &[&str] = &[
    "suggest", "time", "table", "glob", "markdown", "shown", "canary",
];

fn rust_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut files = Vec::new();
    for entry in fs_err::read_dir(path).unwrap() {
        files.extend(rust_files(&entry.unwrap().path()));
    }
    files
}

/// The source files of a top-level module: `src/NAME.rs` or `src/NAME/`.
fn module_files(name: &str) -> Vec<PathBuf> {
    let src = repo_root().join("src");
    let file = src.join(format!("{name}.rs"));
    if file.is_file() {
        rust_files(&file)
    } else {
        rust_files(&src.join(name))
    }
}

/// Every `crate::X` a file names, with its line.
fn crate_references(file: &Path) -> Vec<(usize, String)> {
    let text = fs_err::read_to_string(file).unwrap();
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        for (at, _) in code.match_indices("crate::") {
            let module: String = code[at + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            found.push((index + 1, module));
        }
    }
    found
}

#[test]
fn early_stages_import_nothing_from_later_ones() {
    let allowed: Vec<&str> = EARLY.iter().chain(HELPERS).copied().collect();
    let mut offences = Vec::new();
    for module in &allowed {
        for file in module_files(module) {
            for (line, target) in crate_references(&file) {
                if !allowed.contains(&target.as_str()) {
                    offences.push(format!("{}:{line}: crate::{target}", file.display()));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "early stages name later modules:\n{}",
        offences.join("\n")
    );
}

/// The store persists its own types and the plan is pure data: neither names a wire format,
/// so a format can be frozen while the code behind it moves. The one exception is the client
/// store of `promptctl serve` (`store/http.rs`), which speaks the HTTP format by nature.
#[test]
fn store_and_plan_never_import_the_formats() {
    let mut offences = Vec::new();
    for module in ["store", "plan"] {
        for file in module_files(module) {
            if file.ends_with("store/http.rs") {
                continue;
            }
            for (line, target) in crate_references(&file) {
                if target == "formats" || target == "server" || target == "commands" {
                    offences.push(format!("{}:{line}: crate::{target}", file.display()));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "store or plan names a wire format or a face:\n{}",
        offences.join("\n")
    );
}

/// The faces (the server, its console, the commands) call `ops` and hold no rule of their
/// own: none builds a change set by hand, and the runtime is entered once, in `lib.rs` (and
/// by each of `serve`'s HTTP worker threads, in `server/listen.rs`, on a thread of its own:
/// never nested in another runtime).
#[test]
fn faces_build_no_change_set_and_enter_no_runtime() {
    let src = repo_root().join("src");
    let mut offences = Vec::new();
    for file in rust_files(&src) {
        let relative = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let text = fs_err::read_to_string(&file).unwrap();
        for (index, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            let face = relative.starts_with("server/") || relative.starts_with("commands/");
            if face && code.contains("ChangeSet {") {
                offences.push(format!("src/{relative}:{}: builds a change set", index + 1));
            }
            let runs_a_runtime = relative == "lib.rs" || relative == "server/listen.rs";
            if !runs_a_runtime && code.contains("block_on(") {
                offences.push(format!("src/{relative}:{}: enters a runtime", index + 1));
            }
        }
    }
    assert!(offences.is_empty(), "{}", offences.join("\n"));
}

#[test]
fn clap_stays_in_cli_and_commands() {
    let src = repo_root().join("src");
    let mut offences = Vec::new();
    for file in rust_files(&src) {
        let relative = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if relative == "cli.rs"
            || relative == "main.rs"
            || relative == "lib.rs"
            || relative.starts_with("commands/")
        {
            continue;
        }
        let text = fs_err::read_to_string(&file).unwrap();
        for (index, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            if code.contains("clap::") || code.contains("crate::cli") {
                offences.push(format!("src/{relative}:{}: {}", index + 1, line.trim()));
            }
        }
    }
    assert!(
        offences.is_empty(),
        "clap below commands/:\n{}",
        offences.join("\n")
    );
}

#[test]
fn the_checker_sees_a_forbidden_import() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.rs");
    fs_err::write(
        &file,
        "use crate::plan::Plan; // crate::store in a comment\n",
    )
    .unwrap();
    assert_eq!(crate_references(&file), vec![(1, "plan".to_owned())]);
}
