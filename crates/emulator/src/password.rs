//! Password storage and strength policies of database connections.
//!
//! Hashes are salted SHA-256: enough for an emulator that must never hold a
//! password in clear, and fast enough to seed and sign in quickly. Real
//! tenants use bcrypt.

use crate::ids::Ids;
use sha2::{Digest, Sha256};

fn digest(salt: &str, password: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update([0u8]);
    h.update(password.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A stored hash of `password`: `sha256$<salt>$<hex digest>`.
pub fn hash(ids: &mut Ids, password: &str) -> String {
    let salt = ids.hex(16);
    format!("sha256${salt}${}", digest(&salt, password))
}

/// Whether `password` matches a stored hash.
pub fn verify(stored: &str, password: &str) -> bool {
    let mut parts = stored.splitn(3, '$');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("sha256"), Some(salt), Some(expected)) => {
            let actual = digest(salt, password);
            // Compare without stopping at the first difference.
            actual.len() == expected.len()
                && actual.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
        }
        _ => false,
    }
}

/// Whether `password` satisfies a connection's `passwordPolicy`
/// (`none`, `low`, `fair`, `good`, `excellent`, as Auth0 defines them).
pub fn meets_policy(policy: &str, password: &str) -> bool {
    let len = password.chars().count();
    let classes = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    let count = classes.iter().filter(|b| **b).count();
    match policy {
        "none" => len >= 1,
        "low" => len >= 6,
        "fair" => len >= 8 && classes[0] && classes[1] && classes[2],
        "good" => len >= 8 && count >= 3,
        "excellent" => {
            let chars: Vec<char> = password.chars().collect();
            let repeats = chars.windows(3).any(|w| w[0] == w[1] && w[1] == w[2]);
            len >= 10 && count >= 3 && !repeats
        }
        _ => len >= 8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify() {
        let mut ids = Ids::new(1, 0);
        let h = hash(&mut ids, "Secret#123");
        assert!(verify(&h, "Secret#123"));
        assert!(!verify(&h, "secret#123"));
        assert!(!verify("garbage", "x"));
    }

    #[test]
    fn policies() {
        assert!(meets_policy("good", "Passw0rd"));
        assert!(!meets_policy("good", "password"));
        assert!(meets_policy("low", "abcdef"));
        assert!(!meets_policy("excellent", "Paaa55word!"));
        assert!(meets_policy("excellent", "Pa55word!x"));
    }
}
