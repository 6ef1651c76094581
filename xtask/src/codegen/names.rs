//! Turning spec names and JSON keys into Rust identifiers and doc text.

/// Words of a name: split at `_`, `-`, spaces, punctuation and case changes
/// (`isMobile` → `is`, `Mobile`; `IDToken` → `ID`, `Token`).
pub fn words(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if let Some(&prev) = cur.chars().last().as_ref() {
            let next = chars.get(i + 1).copied();
            let boundary = c.is_ascii_uppercase()
                && (prev.is_ascii_lowercase()
                    || prev.is_ascii_digit()
                    || (prev.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase())));
            if boundary {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in", "let",
    "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static", "struct", "trait", "true", "type",
    "unsafe", "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// A snake_case field name for a JSON key. `type` becomes `kind`.
pub fn field_ident(key: &str) -> String {
    let mut s = words(key).iter().map(|w| w.to_ascii_lowercase()).collect::<Vec<_>>().join("_");
    if s.is_empty() {
        s = "field".to_owned();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert_str(0, "n_");
    }
    match s.as_str() {
        "type" => "kind".to_owned(),
        "self" | "super" | "crate" | "extra" => format!("{s}_"),
        _ if KEYWORDS.contains(&s.as_str()) => format!("r#{s}"),
        _ => s,
    }
}

/// A PascalCase name (for enum variants and nested types).
pub fn pascal(s: &str) -> String {
    let mut out = String::new();
    for w in words(s) {
        let mut cs = w.chars();
        if let Some(first) = cs.next() {
            // Keep a separator between two numbers ("2.0" → "2_0").
            if first.is_ascii_digit() && out.ends_with(|c: char| c.is_ascii_digit()) {
                out.push('_');
            }
            out.push(first.to_ascii_uppercase());
            out.extend(cs.map(|c| c.to_ascii_lowercase()));
        }
    }
    if out.is_empty() {
        out = "Empty".to_owned();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    out
}

/// PascalCase for a JSON key appended to a type name; keeps the key's own capitals.
pub fn key_suffix(key: &str) -> String {
    pascal(key)
}

/// The default Rust name of a spec schema: noise suffixes dropped.
pub fn type_name(spec_name: &str) -> String {
    let mut s = spec_name.to_owned();
    for suffix in ["ResponseContent", "RequestContent", "Schema"] {
        if let Some(stripped) = s.strip_suffix(suffix).filter(|r| !r.is_empty()) {
            s = stripped.to_owned();
            break;
        }
    }
    // `XEnum`, `XEnumSAML` → `X`, `XSAML`
    if let Some(pos) = s.rfind("Enum") {
        let after = &s[pos + 4..];
        if pos > 0 && (after.is_empty() || after.starts_with(|c: char| c.is_ascii_uppercase())) {
            s = format!("{}{}", &s[..pos], after);
        }
    }
    s.retain(|c| c.is_ascii_alphanumeric());
    s
}

const ACRONYMS: &[&str] = &[
    "id", "url", "uri", "ip", "jwt", "oidc", "saml", "mfa", "sso", "api", "json", "http", "https", "ad", "adfs", "aws",
    "dpop", "par", "pkce", "otp", "scim", "ttl", "xml", "html", "css", "sms", "iss", "sub", "acr", "ui", "idp", "rp",
    "jwks", "ca", "dn", "tls", "mtls", "oin", "oag", "ldap", "dcr", "cimd",
];

/// A short description made from a key: `email_verified` → "Email verified.".
pub fn humanize(key: &str) -> String {
    let ws: Vec<String> = words(key)
        .into_iter()
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            match lower.as_str() {
                "ids" | "urls" | "uris" | "apis" | "ips" => {
                    format!("{}s", lower[..lower.len() - 1].to_ascii_uppercase())
                }
                l if ACRONYMS.contains(&l) => lower.to_ascii_uppercase(),
                _ => lower,
            }
        })
        .collect();
    let mut s = ws.join(" ");
    if s.is_empty() {
        return format!("`{key}`.");
    }
    if let Some(first) = s.get(0..1) {
        let up = first.to_ascii_uppercase();
        s.replace_range(0..1, &up);
    }
    s.push('.');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idents() {
        assert_eq!(field_ident("isMobile"), "is_mobile");
        assert_eq!(field_ident("clientID"), "client_id");
        assert_eq!(field_ident("enabledDatabaseCustomization"), "enabled_database_customization");
        assert_eq!(field_ident("type"), "kind");
        assert_eq!(field_ident("match"), "r#match");
        assert_eq!(field_ident("country_code3"), "country_code3");
        assert_eq!(field_ident("IDTokenHint"), "id_token_hint");
        assert_eq!(pascal("regular_web"), "RegularWeb");
        assert_eq!(pascal("google-oauth2"), "GoogleOauth2");
        assert_eq!(pascal("RS256"), "Rs256");
        assert_eq!(pascal("v2026-1"), "V2026_1");
        assert_eq!(pascal("Team Member"), "TeamMember");
        assert_eq!(type_name("ClientAppTypeEnum"), "ClientAppType");
        assert_eq!(type_name("ConnectionTypeEnumOIDC"), "ConnectionTypeOIDC");
        assert_eq!(type_name("GetUserResponseContent"), "GetUser");
        assert_eq!(humanize("email_verified"), "Email verified.");
        assert_eq!(humanize("client_id"), "Client ID.");
    }
}
