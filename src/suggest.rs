//! "Did you mean": the candidates closest to a mistyped word.

/// Up to `limit` candidates close to `word`, best first. Close means a small edit distance
/// relative to the length, or one containing the other (`gpt5` → `openai/gpt-5`).
pub fn nearest<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str>,
    limit: usize,
) -> Vec<&'a str> {
    let lower = word.to_ascii_lowercase();
    let squash = |s: &str| {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
    };
    let squashed = squash(&lower);
    let mut scored: Vec<(f64, &str)> = candidates
        .filter_map(|candidate| {
            let similarity = strsim::jaro_winkler(&lower, &candidate.to_ascii_lowercase());
            let tail = candidate.rsplit('/').next().unwrap_or(candidate);
            let tail_similarity = strsim::jaro_winkler(&lower, &tail.to_ascii_lowercase());
            let contains = !squashed.is_empty() && squash(candidate).ends_with(&squashed);
            let score = similarity.max(tail_similarity) + if contains { 0.2 } else { 0.0 };
            (score >= 0.8).then_some((score, candidate))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.into_iter().take(limit).map(|(_, c)| c).collect()
}

/// `did you mean `a`?` / `did you mean one of `a`, `b`?`, or nothing without candidates.
pub fn did_you_mean(candidates: &[&str]) -> Option<String> {
    match candidates {
        [] => None,
        [only] => Some(format!("did you mean `{only}`?")),
        many => Some(format!(
            "did you mean one of {}?",
            many.iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_field_names() {
        let fields = ["prompt_name", "ai_model", "max_tokens"];
        assert_eq!(nearest("ai_modle", fields.into_iter(), 3), ["ai_model"]);
        assert_eq!(
            nearest("completely_else", fields.into_iter(), 3),
            Vec::<&str>::new()
        );
        assert_eq!(
            did_you_mean(&["a", "b"]).unwrap(),
            "did you mean one of `a`, `b`?"
        );
    }
}
