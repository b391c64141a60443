//! Resolved settings: command-line flags, environment variables, `promptctl.yaml` and built-in
//! defaults, in that order of precedence, with every path made absolute.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, CatalogError};
use crate::secret::Secret;
use crate::suggest::did_you_mean;
use crate::usage::{UsageError, UsageFile};
use crate::yaml;

pub use crate::prompt::CONFIG_FILE_NAME;
/// The built-in default model (the story's upgrade target).
pub const BUILTIN_DEFAULT_MODEL: &str = "openai/gpt-5.2";
/// The built-in fallback model.
pub const BUILTIN_FALLBACK_MODEL: &str = "openai/gpt-5.4-mini";

/// `promptctl.yaml`, as written.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "promptctl project config (promptctl.yaml)")]
pub struct ConfigFile {
    /// Folder of prompt files, relative to this file. Default `prompts`.
    pub prompts_dir: Option<String>,
    /// A models.yaml extending or replacing the built-in catalog, relative to this file.
    pub catalog: Option<String>,
    /// Model for prompts without one (backfill). Env `LLM_MODEL` overrides.
    pub default_model: Option<String>,
    /// Model applications fall back to. Env `LLM_FALLBACK_MODEL` overrides.
    pub fallback_model: Option<String>,
    /// usage.yaml (requests per month and tokens per prompt) for cost estimates.
    pub usage: Option<String>,
    /// Days ahead `validate` warns of a model's coming deprecation (`deprecation-soon`).
    /// Default 30.
    pub deprecation_window: Option<u32>,
    /// Warning codes not to report, e.g. `deprecation-soon` once a move is planned. Only
    /// warnings are silenced: an error with the same code is reported all the same.
    #[serde(default)]
    pub silence: Vec<String>,
    /// Rules every prompt (or those a policy matches) must keep; `validate` and `plan` check
    /// them.
    #[serde(default)]
    pub policies: Vec<crate::policy::Policy>,
    /// Named stores, chosen with `--env NAME`.
    #[serde(default)]
    pub environments: BTreeMap<String, EnvironmentConfig>,
}

/// One named store, and how the environment differs on purpose from what the files say.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentConfig {
    /// `sqlite:PATH`, `postgres://…` or `http(s)://…`.
    pub store: String,
    /// The environment variable holding the bearer token for an HTTP store.
    pub token_env: Option<String>,
    /// Model for prompts without one, in this environment (before the project's
    /// `default_model`; `--default-model` and `LLM_MODEL` still win).
    pub default_model: Option<String>,
    /// Fallback model in this environment.
    pub fallback_model: Option<String>,
    /// Prompts that run on another model here: the first rule that matches a prompt gives it
    /// its `ai_model` (e.g. dev runs everything on a cheap model).
    #[serde(default)]
    pub models: Vec<crate::overlay::ModelRule>,
}

/// What the user said on the command line that settings depend on.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    /// `--store URL`.
    pub store: Option<String>,
    /// `--env NAME`: a store from `environments` in promptctl.yaml.
    pub env: Option<String>,
    pub default_model: Option<String>,
    pub fallback_model: Option<String>,
}

/// Settings every command starts from.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The project root: the folder of `promptctl.yaml`, or the working directory.
    pub root: PathBuf,
    /// The config file read, if any.
    pub config_path: Option<PathBuf>,
    /// The config as written (empty without a file).
    pub config: ConfigFile,
    /// Where prompt files live.
    pub prompts_dir: PathBuf,
    /// The effective model catalog.
    pub catalog: Catalog,
    /// Model for prompts that have none; always in the catalog.
    pub default_model: String,
    /// Fallback model; always in the catalog.
    pub fallback_model: String,
    /// usage.yaml for cost estimates, if configured (read by [`Settings::load_usage`], only
    /// by the commands that show a cost).
    pub usage_path: Option<PathBuf>,
    /// The store to plan and apply against.
    pub store: StoreTarget,
    /// Who the audit log records: set from the environment, else found once when a write
    /// first asks (see [`Settings::actor`]).
    actor: std::sync::OnceLock<String>,
    /// `--env NAME`, where given: policies limited to environments apply only in theirs.
    pub environment: Option<String>,
    /// The environment's model rules (empty without `--env`), each model in the catalog.
    pub overlay: Vec<crate::overlay::ModelRule>,
    /// Warning codes `silence` names: warnings with them are not reported.
    pub silenced: Vec<crate::diag::Code>,
}

/// Which store, and how to authenticate to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreTarget {
    /// `sqlite:PATH`, `postgres://…` or `http(s)://…`.
    pub url: String,
    /// Bearer token for an HTTP store (never printed).
    pub token: Option<Secret>,
    /// The built-in local store (`.promptctl/store.db`), named by nobody: before the first
    /// `apply` it reads as empty rather than missing.
    pub default: bool,
    /// The variable the environment's `token_env` names, when it is not set: opening an HTTP
    /// store says so, rather than letting the server answer a bare 401.
    pub missing_token_env: Option<String>,
}

/// Why settings could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error(transparent)]
    File(#[from] yaml::FileError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error("unknown environment `{name}`: promptctl.yaml defines {}", if .known.is_empty() { "none".to_owned() } else { .known.join(", ") })]
    UnknownEnvironment { name: String, known: Vec<String> },
    #[error("{file}: `silence` names `{code}`, which is no diagnostic code{}", .nearest.as_ref().map(|n| format!("; did you mean `{n}`?")).unwrap_or_default())]
    UnknownCode {
        file: String,
        code: String,
        nearest: Option<String>,
    },
    #[error("{role} `{id}` (from {origin}) is not in the model catalog{}", .help.as_ref().map(|h| format!("; {h}")).unwrap_or_default())]
    UnknownModel {
        role: &'static str,
        id: String,
        origin: String,
        help: Option<String>,
    },
}

impl Settings {
    /// Resolve settings from the flags, the environment (`env` looks a variable up) and the
    /// config file found from `cwd`.
    pub fn resolve(
        overrides: &Overrides,
        env: &dyn Fn(&str) -> Option<String>,
        cwd: &Path,
    ) -> Result<Settings, SettingsError> {
        let config_path = match &overrides.config {
            Some(path) => Some(cwd.join(path)),
            None => find_config(cwd),
        };
        let config = match &config_path {
            Some(path) => read_config(path)?,
            None => ConfigFile::default(),
        };
        let root = config_path
            .as_deref()
            .and_then(Path::parent)
            .map_or_else(|| cwd.to_path_buf(), Path::to_path_buf);
        match &config_path {
            Some(path) => tracing::debug!("config: read {}", path.display()),
            None => tracing::debug!(
                "config: no {CONFIG_FILE_NAME} in {} or its parents; built-in defaults",
                cwd.display()
            ),
        }
        let catalog = match &config.catalog {
            Some(path) => {
                tracing::debug!("catalog: reading {}", root.join(path).display());
                Catalog::load(&root.join(path))?
            }
            None => {
                let conventional = root.join("models.yaml");
                if conventional.is_file() {
                    tracing::debug!("catalog: reading {}", conventional.display());
                    Catalog::load(&conventional)?
                } else {
                    tracing::debug!("catalog: built in");
                    Catalog::builtin()
                }
            }
        };
        let config_name = config_path
            .as_deref()
            .map_or_else(|| CONFIG_FILE_NAME.to_owned(), |p| p.display().to_string());
        let environment = match &overrides.env {
            Some(name) => Some(config.environments.get(name).ok_or_else(|| {
                SettingsError::UnknownEnvironment {
                    name: name.clone(),
                    known: config.environments.keys().cloned().collect(),
                }
            })?),
            None => None,
        };
        let environment_origin = format!(
            "environments.{} in {config_name}",
            overrides.env.as_deref().unwrap_or_default()
        );
        let overlay = environment.map(|e| e.models.clone()).unwrap_or_default();
        for (index, rule) in overlay.iter().enumerate() {
            if catalog.get(&rule.ai_model).is_none() {
                return Err(SettingsError::UnknownModel {
                    role: "model",
                    help: did_you_mean(&catalog.nearest(&rule.ai_model)),
                    id: rule.ai_model.clone(),
                    origin: format!("rule {} of {environment_origin}", index + 1),
                });
            }
        }
        let default_model = pick_model(
            "default model",
            [
                (
                    overrides.default_model.clone(),
                    "--default-model".to_owned(),
                ),
                (env("LLM_MODEL"), "LLM_MODEL".to_owned()),
                (
                    environment.and_then(|e| e.default_model.clone()),
                    environment_origin.clone(),
                ),
                (config.default_model.clone(), config_name.clone()),
                (
                    Some(BUILTIN_DEFAULT_MODEL.to_owned()),
                    "the built-in default".to_owned(),
                ),
            ],
            &catalog,
        )?;
        let fallback_model = pick_model(
            "fallback model",
            [
                (
                    overrides.fallback_model.clone(),
                    "--fallback-model".to_owned(),
                ),
                (env("LLM_FALLBACK_MODEL"), "LLM_FALLBACK_MODEL".to_owned()),
                (
                    environment.and_then(|e| e.fallback_model.clone()),
                    environment_origin.clone(),
                ),
                (config.fallback_model.clone(), config_name),
                (
                    Some(BUILTIN_FALLBACK_MODEL.to_owned()),
                    "the built-in fallback".to_owned(),
                ),
            ],
            &catalog,
        )?;
        tracing::debug!(
            "catalog: {} models; default model {default_model}, fallback {fallback_model}",
            catalog.models().len()
        );
        let store = resolve_store(overrides, env, environment, &root);
        tracing::debug!(
            "store: {}{}",
            crate::store::redact(&store.url),
            if store.token.is_some() {
                " (with a bearer token)"
            } else {
                ""
            }
        );
        let actor = ["PROMPTCTL_ACTOR", "GITHUB_ACTOR", "USER", "USERNAME"]
            .iter()
            .find_map(|name| env(name).filter(|v| !v.trim().is_empty()))
            .map_or_else(std::sync::OnceLock::new, std::sync::OnceLock::from);
        let silenced = silenced_codes(&config, config_path.as_deref())?;
        Ok(Settings {
            silenced,
            actor,
            environment: overrides.env.clone(),
            overlay,
            store,
            prompts_dir: root.join(config.prompts_dir.as_deref().unwrap_or("prompts")),
            usage_path: config
                .usage
                .as_deref()
                .map(|p| root.join(p))
                .or_else(|| Some(root.join("usage.yaml")).filter(|p| p.is_file())),
            root,
            config_path,
            config,
            catalog,
            default_model,
            fallback_model,
        })
    }
}

impl Settings {
    /// The project's models.yaml: `catalog` in promptctl.yaml, else `models.yaml` in the root
    /// (which may not exist yet).
    pub fn catalog_file(&self) -> PathBuf {
        self.root
            .join(self.config.catalog.as_deref().unwrap_or("models.yaml"))
    }

    /// Days ahead a coming deprecation is reported (`deprecation_window`, default 30).
    pub fn deprecation_window(&self) -> u32 {
        self.config.deprecation_window.unwrap_or(30)
    }

    /// The rules of record this project holds a store to: the catalog, the policies of the
    /// environment (`--env`; those limited to others left out) and usage.yaml.
    pub fn rules(&self) -> Result<crate::store::Rules, UsageError> {
        let environment = self.environment.as_deref();
        Ok(crate::store::Rules {
            catalog: self.catalog.clone(),
            policies: self
                .config
                .policies
                .iter()
                .filter(|policy| policy.applies_in(environment))
                .map(|policy| crate::policy::Policy {
                    environments: None,
                    ..policy.clone()
                })
                .collect(),
            usage: self.load_usage()?,
        })
    }

    /// usage.yaml, where configured: for the commands that show a cost (`list` has no use
    /// for it, and must not fail on a bad file).
    pub fn load_usage(&self) -> Result<Option<UsageFile>, UsageError> {
        self.usage_path.as_deref().map(UsageFile::load).transpose()
    }
}

/// The first value given, in precedence order; it must be in the catalog. An empty
/// environment variable counts as unset, as shells make them easily.
fn pick_model(
    role: &'static str,
    candidates: [(Option<String>, String); 5],
    catalog: &Catalog,
) -> Result<String, SettingsError> {
    let (id, origin) = candidates
        .into_iter()
        .find_map(|(value, origin)| {
            value
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .map(|v| (v, origin))
        })
        .unwrap_or_default();
    if catalog.get(&id).is_some() {
        return Ok(id);
    }
    Err(SettingsError::UnknownModel {
        role,
        help: did_you_mean(&catalog.nearest(&id)),
        id,
        origin,
    })
}

/// `--store` > `--env NAME` > `PROMPTCTL_STORE` > the embedded `.promptctl/store.db` of the
/// project root (like Terraform's local backend). The token comes from the environment's
/// `token_env`, else `PROMPTCTL_TOKEN`.
fn resolve_store(
    overrides: &Overrides,
    env: &dyn Fn(&str) -> Option<String>,
    named: Option<&EnvironmentConfig>,
    root: &Path,
) -> StoreTarget {
    let token_env = named.and_then(|e| e.token_env.as_deref());
    let from_token_env = token_env.and_then(env).filter(|t| !t.trim().is_empty());
    let missing_token_env = token_env
        .filter(|_| from_token_env.is_none())
        .map(str::to_owned);
    let token = from_token_env
        .or_else(|| env("PROMPTCTL_TOKEN"))
        .filter(|t| !t.trim().is_empty())
        .map(Secret::new);
    let mut default = false;
    let url = if let Some(url) = &overrides.store {
        url.clone()
    } else if let Some(environment) = named {
        match environment.store.strip_prefix("sqlite:") {
            // A relative file in promptctl.yaml is relative to promptctl.yaml.
            Some(path) if Path::new(path).is_relative() => {
                format!("sqlite:{}", root.join(path).display())
            }
            _ => environment.store.clone(),
        }
    } else if let Some(url) = env("PROMPTCTL_STORE").filter(|u| !u.trim().is_empty()) {
        url
    } else {
        default = true;
        format!(
            "sqlite:{}",
            root.join(".promptctl").join("store.db").display()
        )
    };
    StoreTarget {
        url,
        missing_token_env: missing_token_env.filter(|_| token.is_none()),
        token,
        default,
    }
}

/// The codes `silence` names, each a diagnostic code.
fn silenced_codes(
    config: &ConfigFile,
    path: Option<&Path>,
) -> Result<Vec<crate::diag::Code>, SettingsError> {
    config
        .silence
        .iter()
        .map(|name| {
            crate::diag::Code::parse(name).ok_or_else(|| SettingsError::UnknownCode {
                file: path.map_or_else(|| CONFIG_FILE_NAME.to_owned(), |p| p.display().to_string()),
                code: name.clone(),
                nearest: crate::suggest::nearest(
                    name,
                    crate::diag::Code::ALL.iter().map(|c| c.as_str()),
                    1,
                )
                .first()
                .map(|n| (*n).to_owned()),
            })
        })
        .collect()
}

fn find_config(cwd: &Path) -> Option<PathBuf> {
    cwd.ancestors()
        .map(|dir| dir.join(CONFIG_FILE_NAME))
        .find(|path| path.is_file())
}

/// An empty or comments-only file reads as no settings (every field is optional).
fn read_config(path: &Path) -> Result<ConfigFile, SettingsError> {
    Ok(yaml::load_file(path)?)
}

impl Settings {
    /// Who the audit log records: `PROMPTCTL_ACTOR`; in GitHub Actions `GITHUB_ACTOR`; the
    /// login name (`USER`, `USERNAME`); the project's git identity (`user.name`, which a
    /// container running as root without `USER` still has: asked only when a write needs
    /// it); else [`crate::store::UNKNOWN_ACTOR`], which a promptctl server replaces by the
    /// token's name.
    pub fn actor(&self) -> String {
        let actor = self.actor.get_or_init(|| {
            std::process::Command::new("git")
                .args(["config", "user.name"])
                .current_dir(&self.root)
                .stderr(std::process::Stdio::null())
                .output()
                .ok()
                .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
                .filter(|name| !name.is_empty())
                .unwrap_or_else(|| crate::store::UNKNOWN_ACTOR.to_owned())
        });
        actor.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(
        dir: &Path,
        flag: Option<&str>,
        env_model: Option<&str>,
    ) -> Result<Settings, SettingsError> {
        let overrides = Overrides {
            default_model: flag.map(str::to_owned),
            ..Overrides::default()
        };
        let env_model = env_model.map(str::to_owned);
        Settings::resolve(
            &overrides,
            &move |name| (name == "LLM_MODEL").then(|| env_model.clone()).flatten(),
            dir,
        )
    }

    #[test]
    fn precedence_is_flag_env_file_builtin() {
        let dir = tempfile::tempdir().unwrap();
        let settings = resolve(dir.path(), None, None).unwrap();
        assert_eq!(settings.default_model, "openai/gpt-5.2");
        assert_eq!(settings.fallback_model, "openai/gpt-5.4-mini");
        assert_eq!(settings.prompts_dir, dir.path().join("prompts"));

        fs_err::write(
            dir.path().join(CONFIG_FILE_NAME),
            "default_model: openai/gpt-5-mini\n",
        )
        .unwrap();
        assert_eq!(
            resolve(dir.path(), None, None).unwrap().default_model,
            "openai/gpt-5-mini"
        );
        assert_eq!(
            resolve(dir.path(), None, Some("openai/gpt-4o"))
                .unwrap()
                .default_model,
            "openai/gpt-4o"
        );
        assert_eq!(
            resolve(dir.path(), Some("openai/gpt-5-nano"), Some("openai/gpt-4o"))
                .unwrap()
                .default_model,
            "openai/gpt-5-nano"
        );
    }

    #[test]
    fn unknown_default_model_is_an_error_naming_its_origin() {
        let dir = tempfile::tempdir().unwrap();
        let error = resolve(dir.path(), None, Some("openai/gpt5"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("`openai/gpt5` (from LLM_MODEL)"), "{error}");
        assert!(
            error.contains("did you mean one of `openai/gpt-5`"),
            "{error}"
        );
    }

    #[test]
    fn debug_never_prints_the_token() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings::resolve(
            &Overrides::default(),
            &|name| (name == "PROMPTCTL_TOKEN").then(|| "pct_secret_value".to_owned()),
            dir.path(),
        )
        .unwrap();
        assert_eq!(
            settings.store.token.as_ref().map(Secret::expose),
            Some("pct_secret_value")
        );
        assert!(!format!("{settings:?}").contains("pct_secret_value"));
    }

    #[test]
    fn config_is_found_in_a_parent_and_bad_fields_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        fs_err::write(
            dir.path().join(CONFIG_FILE_NAME),
            "prompts_dir: p\nprompt_dir: q\n",
        )
        .unwrap();
        let nested = dir.path().join("a/b");
        fs_err::create_dir_all(&nested).unwrap();
        let error = resolve(&nested, None, None).unwrap_err().to_string();
        assert!(error.contains("promptctl.yaml:2:1"), "{error}");
        assert!(error.contains("prompt_dir"), "{error}");
    }
}
