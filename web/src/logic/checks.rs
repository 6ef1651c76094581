//! Checks of inputs the spec constrains, run before sending so the form
//! says what is wrong next to the field.

/// What is wrong with an organization name, if anything. Auth0's
/// `organization-name` format: 1 to 50 characters, lowercase letters,
/// digits, `-` and `_`, starting with a letter or a digit.
pub fn organization_name(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("A name is required.");
    }
    if name.chars().count() > 50 {
        return Some("At most 50 characters.");
    }
    if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_') {
        return Some("Only lowercase letters, digits, - and _.");
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Some("Start with a letter or a digit.");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn organization_names() {
        assert_eq!(organization_name("acme-corp_2"), None);
        assert!(organization_name("").is_some());
        assert!(organization_name("Acme").is_some(), "uppercase");
        assert!(organization_name("acme corp").is_some(), "space");
        assert!(organization_name("-acme").is_some(), "leading hyphen");
        assert!(organization_name(&"a".repeat(51)).is_some());
        assert_eq!(organization_name(&"a".repeat(50)), None);
    }
}
