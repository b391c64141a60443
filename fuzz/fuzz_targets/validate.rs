//! Any bytes as a prompt file: the YAML loader and every validation rule must answer with
//! diagnostics, never a panic, a hang or unbounded memory (alias bombs, deep nesting).
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use promptctl::catalog::Catalog;
use promptctl::validate::Validator;

static CATALOG: OnceLock<Catalog> = OnceLock::new();
static VALIDATOR: OnceLock<Validator<'static>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let validator = VALIDATOR
        .get_or_init(|| Validator::new(CATALOG.get_or_init(Catalog::builtin), "openai/gpt-5"));
    match validator.validate_text(Path::new("prompts/fuzz.yaml"), text) {
        // A prompt that passed has every required field.
        Ok(prompt) => assert!(!prompt.prompt_name().is_empty() && !prompt.ai_model().is_empty()),
        Err(problems) => assert!(!problems.is_empty(), "a refused file names its problem"),
    }
    // The spanned tree, which set-model and the diagnostics use, must not panic either.
    let _ = promptctl::yaml::parse(text);
});
