//! The canary split: which subjects of a prompt run its canary's model. The rule is public so
//! any client can compute it and every replica agrees without talking: the first 8 bytes of
//! SHA-256 of `name` + `\0` + `subject`, read as a big-endian u64, modulo 10,000, below the
//! percent in basis points (`percent` × 100). The same subject always gets the same arm; arms
//! of different prompts are independent (the name is hashed in).

use sha2::{Digest, Sha256};

/// Which arm a subject is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arm {
    Stable,
    Canary,
}

impl Arm {
    pub fn as_str(self) -> &'static str {
        match self {
            Arm::Stable => "stable",
            Arm::Canary => "canary",
        }
    }
}

/// A canary's share: above 0 and below 100, in hundredths at most (the split is in basis
/// points). The one rule, for prompt files and every write to a store.
pub fn check_percent(percent: f64) -> Result<(), String> {
    let basis_points = percent * 100.0;
    if !(percent > 0.0 && percent < 100.0) || (basis_points - basis_points.round()).abs() > 1e-6 {
        return Err(format!(
            "a canary's percent is above 0 and below 100, in hundredths at most; found {percent}"
        ));
    }
    Ok(())
}

/// The subject's bucket of a prompt, 0..10,000.
pub fn bucket(prompt_name: &str, subject: &str) -> u64 {
    let mut hasher = Sha256::new();
    hasher.update(prompt_name.as_bytes());
    hasher.update([0]);
    hasher.update(subject.as_bytes());
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) % 10_000
}

/// The arm of `subject` for a canary of `percent` (0 < percent < 100, in hundredths).
pub fn arm(prompt_name: &str, subject: &str, percent: f64) -> Arm {
    // Basis points; a percent the store holds is in hundredths, so this is exact.
    let threshold = (percent * 100.0).round().clamp(0.0, 10_000.0) as u64;
    if bucket(prompt_name, subject) < threshold {
        Arm::Canary
    } else {
        Arm::Stable
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_share_is_the_percent_and_a_subject_keeps_its_arm() {
        let on_canary = (0..100_000)
            .filter(|i| arm("narrative", &format!("user-{i}"), 10.0) == Arm::Canary)
            .count();
        let share = on_canary as f64 / 1000.0;
        assert!((9.0..=11.0).contains(&share), "{share}% on the canary");
        for i in 0..100 {
            let subject = format!("user-{i}");
            assert_eq!(
                arm("narrative", &subject, 10.0),
                arm("narrative", &subject, 10.0)
            );
        }
    }

    #[test]
    fn the_bucket_is_the_published_rule() {
        // Worked outside promptctl (Python's hashlib): int.from_bytes(sha256(b"narrative\x00user-1")
        // .digest()[:8], "big") % 10000, and the same for summarize_ticket / alice.
        assert_eq!(bucket("narrative", "user-1"), 9908);
        assert_eq!(bucket("summarize_ticket", "alice"), 1681);
        assert_eq!(arm("summarize_ticket", "alice", 16.81), Arm::Stable);
        assert_eq!(arm("summarize_ticket", "alice", 16.82), Arm::Canary);
    }
}
