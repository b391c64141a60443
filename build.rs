// The migrations are embedded by `sqlx::migrate!`; rebuild when they change. `--version` names
// the commit built and its date, from git when the source is a clone ("unknown" otherwise,
// as in a crate downloaded from the registry).
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|output| output.status.success())
            .and_then(|output| String::from_utf8(output.stdout).ok())
            .map(|text| text.trim().to_owned())
            .filter(|text| !text.is_empty())
    };
    let commit = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".to_owned());
    let date = git(&["log", "-1", "--format=%cs"]).unwrap_or_else(|| "unknown date".to_owned());
    println!("cargo:rustc-env=PROMPTCTL_COMMIT={commit}");
    println!("cargo:rustc-env=PROMPTCTL_COMMIT_DATE={date}");
}
