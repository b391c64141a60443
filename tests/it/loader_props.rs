//! No input makes the loader panic: arbitrary bytes, and arbitrary YAML built from the
//! pieces prompt files are made of (fields, scalars, flow and block collections, anchors,
//! aliases, tags, templates).

use std::path::Path;
use std::sync::Arc;

use promptctl::catalog::Catalog;
use promptctl::validate::Validator;
use proptest::prelude::*;

fn validate_text(bytes: &[u8]) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let path: Arc<Path> = Arc::from(dir.path().join("p.yaml"));
    fs_err::write(&path, bytes).unwrap();
    let catalog = Catalog::builtin();
    let validator = Validator::new(&catalog, "openai/gpt-5");
    let validation = validator.validate_files(&[path]);
    // Every diagnostic has a place a user can go to.
    for d in validation.diagnostics {
        assert!(d.span.line >= 1 && d.span.column >= 1, "{d:?}");
    }
    validation.prompts.len()
}

fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("~".to_owned()),
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("-1".to_owned()),
        Just("0.5".to_owned()),
        Just(".nan".to_owned()),
        Just("1e999".to_owned()),
        Just("99999999999999999999999".to_owned()),
        Just("openai/gpt-5".to_owned()),
        Just("\"{{name}} and {{\"".to_owned()),
        Just("'it''s'".to_owned()),
        Just("!!binary aGVsbG8=".to_owned()),
        Just("!custom x".to_owned()),
        Just("*a".to_owned()),
        Just("&a x".to_owned()),
        "[a-z{}#:\\- ]{0,12}",
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("prompt_name".to_owned()),
        Just("prompt_version".to_owned()),
        Just("ai_model".to_owned()),
        Just("prompt_template".to_owned()),
        Just("max_tokens".to_owned()),
        Just("temperature".to_owned()),
        Just("input_schema".to_owned()),
        Just("properties".to_owned()),
        Just("type".to_owned()),
        Just("<<".to_owned()),
        Just("? [a]".to_owned()),
        "[a-z_]{1,8}",
    ]
}

fn node() -> impl Strategy<Value = String> {
    scalar().prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4)
                .prop_map(|items| format!("[{}]", items.join(", "))),
            prop::collection::vec((key(), inner.clone()), 0..4).prop_map(|entries| {
                let body: Vec<String> = entries.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                format!("{{{}}}", body.join(", "))
            }),
            prop::collection::vec((key(), inner), 1..4).prop_map(|entries| {
                entries
                    .iter()
                    .map(|(k, v)| format!("\n  {k}: {v}"))
                    .collect::<String>()
            }),
        ]
    })
}

fn document() -> impl Strategy<Value = String> {
    let template = prop_oneof![
        Just("|\n  Hello {{name}}\n".to_owned()),
        Just("|\n  {{#a}}{{b}}\n".to_owned()),
        Just(">-\n  text {{ x.y }}\n".to_owned()),
        Just("\"{{{raw}}}\"".to_owned()),
    ];
    (
        prop::collection::vec((key(), node()), 0..8),
        template,
        prop_oneof![
            Just(""),
            Just("---\n"),
            Just("\t"),
            Just("\u{feff}"),
            Just("- ")
        ],
    )
        .prop_map(|(entries, template, prefix)| {
            let mut text = prefix.to_owned();
            for (k, v) in entries {
                text.push_str(&format!("{k}: {v}\n"));
            }
            text.push_str(&format!("prompt_template: {template}"));
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        validate_text(&bytes);
    }

    #[test]
    fn arbitrary_yaml_never_panics(text in document()) {
        validate_text(text.as_bytes());
    }
}

#[test]
fn a_valid_prompt_is_accepted_whatever_its_layout() {
    let flow = "{prompt_name: a, prompt_version: v1, ai_model: openai/gpt-5, prompt_template: hi}";
    assert_eq!(validate_text(flow.as_bytes()), 1);
    let crlf =
        "prompt_name: a\r\nprompt_version: v1\r\nai_model: openai/gpt-5\r\nprompt_template: hi\r\n";
    assert_eq!(validate_text(crlf.as_bytes()), 1);
    let json = r#"{"prompt_name": "a", "prompt_version": "v1", "ai_model": "openai/gpt-5", "prompt_template": "hi"}"#;
    assert_eq!(validate_text(json.as_bytes()), 1);
}
