//! A database connection's password rules, as Auth0 applies them
//! (`passwordPolicy` and `password_complexity_options.min_length` in the
//! connection's options), said in words and checked before sending.

use serde_json::Value;

/// The rules of a connection, from its `options`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordRules {
    /// Auth0's strength level: `none`, `low`, `fair`, `good` or `excellent`.
    pub policy: String,
    /// The shortest password accepted.
    pub min_length: usize,
}

impl PasswordRules {
    /// The rules a connection's options set; Auth0's default policy is `good`.
    pub fn from_options(options: &Value) -> Self {
        let policy = options.get("passwordPolicy").and_then(Value::as_str).unwrap_or("good").to_owned();
        let default_min = match policy.as_str() {
            "none" => 1,
            "low" => 6,
            "fair" | "good" => 8,
            _ => 10,
        };
        let min_length = options
            .pointer("/password_complexity_options/min_length")
            .and_then(Value::as_u64)
            .map_or(default_min, |n| n as usize);
        Self { policy, min_length }
    }

    /// The rules in words.
    pub fn describe(&self) -> String {
        let kinds = match self.policy.as_str() {
            "none" | "low" => "",
            "fair" => ", with lowercase and uppercase letters and digits",
            "good" => ", with three of: lowercase letters, uppercase letters, digits, special characters",
            _ => {
                ", with three of: lowercase letters, uppercase letters, digits, special characters, and no character more than twice in a row"
            }
        };
        format!("At least {} characters{kinds} (policy: {}).", self.min_length, self.policy)
    }

    /// What `password` lacks under these rules; `None` when it passes.
    pub fn problem(&self, password: &str) -> Option<String> {
        let n = password.chars().count();
        if n < self.min_length {
            return Some(format!("Use at least {} characters.", self.min_length));
        }
        let lower = password.chars().any(|c| c.is_lowercase());
        let upper = password.chars().any(|c| c.is_uppercase());
        let digit = password.chars().any(|c| c.is_ascii_digit());
        let special = password.chars().any(|c| !c.is_alphanumeric());
        let kinds = [lower, upper, digit, special].iter().filter(|k| **k).count();
        match self.policy.as_str() {
            "fair" if !(lower && upper && digit) => Some("Use lowercase and uppercase letters and digits.".into()),
            "good" | "excellent" if kinds < 3 => {
                Some("Use three of: lowercase letters, uppercase letters, digits, special characters.".into())
            }
            "excellent" if repeats(password) => Some("No character more than twice in a row.".into()),
            _ => None,
        }
    }
}

fn repeats(s: &str) -> bool {
    let c: Vec<char> = s.chars().collect();
    c.windows(3).any(|w| w[0] == w[1] && w[1] == w[2])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn rules_from_options() {
        let r = PasswordRules::from_options(&json!({}));
        assert_eq!((r.policy.as_str(), r.min_length), ("good", 8));
        let r = PasswordRules::from_options(
            &json!({"passwordPolicy": "fair", "password_complexity_options": {"min_length": 12}}),
        );
        assert_eq!((r.policy.as_str(), r.min_length), ("fair", 12));
        assert!(r.describe().contains("At least 12 characters"));
    }

    #[test]
    fn passwords_checked() {
        let good = PasswordRules::from_options(&json!({"passwordPolicy": "good"}));
        assert!(good.problem("short1A").is_some());
        assert!(good.problem("alllowercase").is_some());
        assert_eq!(good.problem("Lower1case"), None);
        let fair = PasswordRules::from_options(&json!({"passwordPolicy": "fair"}));
        assert!(fair.problem("lower!case").is_some());
        assert_eq!(fair.problem("Lower1case"), None);
        let ex = PasswordRules::from_options(&json!({"passwordPolicy": "excellent"}));
        assert!(ex.problem("Aaaa1bcdefg").is_some());
        assert_eq!(ex.problem("Ab1cdefgh!x"), None);
        let none = PasswordRules::from_options(&json!({"passwordPolicy": "none"}));
        assert_eq!(none.problem("x"), None);
    }
}
