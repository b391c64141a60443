//! Any YAML text through `set-model`'s rewrite: refused, or rewritten so that the file parses
//! again with `ai_model` set and nothing else changed (the rewrite verifies that itself; here
//! it must also never panic).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(root) = promptctl::yaml::parse(text) else {
        return;
    };
    if let Ok(edited) = promptctl::rewrite::set_ai_model(text, &root, "openai/gpt-5-mini") {
        let again = promptctl::yaml::parse(&edited).expect("an edited file parses");
        assert_eq!(
            again.get("ai_model").and_then(|n| n.as_str()),
            Some("openai/gpt-5-mini")
        );
    }
});
