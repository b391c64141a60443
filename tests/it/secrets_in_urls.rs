//! Secrets a store URL may carry (a PostgreSQL password in the user info or as `?password=`, a
//! token before an HTTP host or in its query) appear nowhere promptctl shows or keeps a URL:
//! the plan header, the saved plan, the Markdown for PR comments, errors and `-v` logs. And
//! the causes of a failed connection are said plainly.

use crate::common::stores::{TestDatabase, postgres_url};
use crate::common::{copy_prompts, promptctl, run};

const SECRET: &str = "hunter2secret";

fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Everything a run printed, to search for the secret.
fn printed(output: &(i32, String, String)) -> String {
    format!("{}\n{}", output.1, output.2)
}

#[tokio::test]
async fn a_postgres_password_is_never_shown_or_kept() {
    let Some(admin) = postgres_url() else { return };
    let database = TestDatabase::create(&admin).await;
    // The local server trusts every connection, so any password gets in.
    let with_password = database
        .url
        .replacen("://postgres@", &format!("://postgres:{SECRET}@"), 1);
    let separator = if with_password.contains('?') {
        '&'
    } else {
        '?'
    };
    let url = format!("{with_password}{separator}password={SECRET}&sslmode=disable");
    assert!(
        url.contains(&format!(":{SECRET}@")),
        "the test URL has user info: {url}"
    );

    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    let plan =
        run(promptctl(dir.path()).args(["-v", "--store", &url, "plan", "--out", "plan.json"]));
    assert_eq!(plan.0, 0, "{}", plan.2);
    assert!(plan.1.contains("password=***"), "{}", plan.1);
    let saved = fs_err::read_to_string(dir.path().join("plan.json")).unwrap();
    for (what, text) in [
        ("plan", printed(&plan)),
        ("saved plan", saved),
        (
            "markdown",
            printed(&run(promptctl(dir.path()).args([
                "show",
                "plan.json",
                "--format",
                "markdown",
            ]))),
        ),
        (
            "apply",
            printed(&run(promptctl(dir.path()).args([
                "-v",
                "--store",
                &url,
                "apply",
                "plan.json",
            ]))),
        ),
    ] {
        assert!(!text.contains(SECRET), "{what} shows the password:\n{text}");
    }
}

#[test]
fn errors_name_the_store_without_its_secrets() {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    let port = closed_port();
    for url in [
        format!("postgres://promptctl:{SECRET}@127.0.0.1:{port}/prompts?password={SECRET}"),
        format!("http://{SECRET}@127.0.0.1:{port}"),
        format!("http://ci:{SECRET}@127.0.0.1:{port}/?token={SECRET}"),
    ] {
        for args in [&["-v", "list"][..], &["plan"]] {
            let output = run(promptctl(dir.path()).args(["--store", &url]).args(args));
            assert_eq!(output.0, 1, "{url} {args:?}: {}", output.2);
            let text = printed(&output);
            assert!(!text.contains(SECRET), "{url} {args:?}:\n{text}");
            // The cause, at once: the port refuses.
            assert!(
                text.to_lowercase().contains("connection refused"),
                "{url} {args:?}:\n{text}"
            );
            assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
        }
    }
}

#[test]
fn an_unset_token_variable_is_named() {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    fs_err::write(
        dir.path().join("promptctl.yaml"),
        format!(
            "environments:\n  prod:\n    store: http://127.0.0.1:{}\n    token_env: PROD_PROMPTS_TOKEN\n",
            closed_port()
        ),
    )
    .unwrap();
    let (code, _, stderr) = run(promptctl(dir.path())
        .args(["--env", "prod", "plan"])
        .env_remove("PROD_PROMPTS_TOKEN")
        .env_remove("PROMPTCTL_TOKEN"));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("PROD_PROMPTS_TOKEN"), "{stderr}");
    assert!(stderr.contains("not set"), "{stderr}");
}
