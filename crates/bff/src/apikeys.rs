//! API keys for machine principals: `Authorization: Bearer gk_...`.
//!
//! A key is `gk_` followed by 256 random bits (URL-safe base64). Only its
//! SHA-256 is kept, in the configuration file under `[api_keys.NAME]` with
//! the key's own access levels, so the whole policy (and with it the
//! scopes of the BFF's machine-to-machine token) is in one reviewed place,
//! and a stolen configuration file holds no usable credential.
//!
//! Why SHA-256 and not a password hash such as argon2: password hashes are
//! slow on purpose so that guessing low-entropy passwords from a leaked
//! hash is expensive. These keys are 256 random bits: nobody can guess one
//! from its SHA-256, slow or fast, so the slowness would buy nothing, and
//! it would cost tens of milliseconds of CPU on every API call (the proxy's
//! whole latency budget is well under a millisecond) and hand attackers a
//! cheap way to burn the server's CPU with bogus keys.

use crate::config::ApiKeyConfig;
use crate::policy::Grants;
use crate::security::{hash_token, random_token};
use gatehouse_model::scope::UserScope;
use std::collections::HashMap;
use std::path::Path;

/// The prefix of every key, so leaked keys are easy to recognise (and to scan for).
pub const PREFIX: &str = "gk_";

/// A machine principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// The key's name, as the audit log shows it.
    pub name: String,
    /// What it may do.
    pub grants: Grants,
    /// The users it may act on; all when `None`.
    pub user_scope: Option<UserScope>,
}

/// The configured keys, by hash.
#[derive(Debug, Clone, Default)]
pub struct ApiKeys {
    by_hash: HashMap<String, ApiKey>,
}

impl ApiKeys {
    /// The keys of the configuration.
    pub fn new<'a>(keys: impl IntoIterator<Item = (&'a String, &'a ApiKeyConfig)>) -> Self {
        let by_hash = keys
            .into_iter()
            .map(|(name, k)| {
                let key = ApiKey { name: name.clone(), grants: k.access.clone(), user_scope: k.user_scope.clone() };
                (k.sha256.to_ascii_lowercase(), key)
            })
            .collect();
        Self { by_hash }
    }

    /// The key a bearer token is, if any.
    pub fn find(&self, token: &str) -> Option<&ApiKey> {
        if !token.starts_with(PREFIX) || token.len() > 128 {
            return None;
        }
        self.by_hash.get(&hash_token(token))
    }

    /// Every key's grants.
    pub fn grants(&self) -> impl Iterator<Item = &Grants> {
        self.by_hash.values().map(|k| &k.grants)
    }
}

/// A new key and the configuration entry that admits it.
pub fn generate(access: Grants) -> (String, ApiKeyConfig) {
    let key = format!("{PREFIX}{}", random_token());
    let entry = ApiKeyConfig { sha256: hash_token(&key), access, user_scope: None };
    (key, entry)
}

/// The TOML snippet for a key entry.
pub fn snippet(name: &str, entry: &ApiKeyConfig) -> String {
    let mut doc = toml_edit::DocumentMut::new();
    insert(&mut doc, name, entry);
    doc.to_string()
}

fn insert(doc: &mut toml_edit::DocumentMut, name: &str, entry: &ApiKeyConfig) {
    let keys = doc.entry("api_keys").or_insert(toml_edit::table());
    if let Some(t) = keys.as_table_mut() {
        t.set_implicit(true);
    }
    let mut table = toml_edit::Table::new();
    table.insert("sha256", toml_edit::value(entry.sha256.clone()));
    let mut access = toml_edit::InlineTable::new();
    for (target, level) in entry.access.entries() {
        access.insert(target.as_str(), level.as_str().into());
    }
    table.insert("access", toml_edit::value(access));
    if let Some(scope) = &entry.user_scope {
        let mut t = toml_edit::InlineTable::new();
        if let Some(o) = scope.organization() {
            t.insert("organization", o.into());
        }
        if let Some(c) = scope.connection() {
            t.insert("connection", c.into());
        }
        if !scope.app_metadata().is_empty() {
            let mut meta = toml_edit::InlineTable::new();
            for (path, value) in scope.app_metadata() {
                meta.insert(path.as_str(), value.as_str().into());
            }
            t.insert("app_metadata", meta.into());
        }
        table.insert("user_scope", toml_edit::value(t));
    }
    keys[name] = toml_edit::Item::Table(table);
}

/// Adds (or replaces) a key entry in a configuration file, creating the
/// file if needed and keeping the rest of it (comments included) as it was.
pub fn add_to_file(path: &Path, name: &str, entry: &ApiKeyConfig) -> anyhow::Result<()> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
    };
    let mut doc: toml_edit::DocumentMut =
        text.parse().map_err(|e| anyhow::anyhow!("{} is not valid TOML: {e}", path.display()))?;
    insert(&mut doc, name, entry);
    let out = doc.to_string();
    crate::config::Config::from_toml(&out).map_err(|e| anyhow::anyhow!("the result would not load: {e}"))?;
    std::fs::write(path, out).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    Ok(())
}

/// Removes a key entry from a configuration file; whether it was there.
pub fn remove_from_file(path: &Path, name: &str) -> anyhow::Result<bool> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let mut doc: toml_edit::DocumentMut =
        text.parse().map_err(|e| anyhow::anyhow!("{} is not valid TOML: {e}", path.display()))?;
    let removed =
        doc.get_mut("api_keys").and_then(toml_edit::Item::as_table_mut).and_then(|t| t.remove(name)).is_some();
    if removed {
        std::fs::write(path, doc.to_string()).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    }
    Ok(removed)
}

/// Creates a key named `name`: returns the key (shown once) and, when
/// `config` is given, records its hash there; otherwise the snippet to add.
pub fn create(name: &str, access: Grants, config: Option<&Path>) -> anyhow::Result<(String, Option<String>)> {
    create_scoped(name, access, None, config)
}

/// [`create`], for a key limited to the users `user_scope` admits.
pub fn create_scoped(
    name: &str,
    access: Grants,
    user_scope: Option<UserScope>,
    config: Option<&Path>,
) -> anyhow::Result<(String, Option<String>)> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        anyhow::bail!("an API key name is letters, digits, `-` and `_`");
    }
    let (key, mut entry) = generate(access);
    entry.user_scope = user_scope;
    match config {
        Some(path) => {
            add_to_file(path, name, &entry)?;
            Ok((key, None))
        }
        None => Ok((key, Some(snippet(name, &entry)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Level, Target};

    #[test]
    fn keys_are_found_by_hash_only() {
        let (key, entry) = generate(Grants::parse_list("users=read").unwrap());
        assert!(key.starts_with("gk_") && key.len() == 46);
        assert!(!entry.sha256.contains(&key[3..]));
        let mut cfg = std::collections::BTreeMap::new();
        cfg.insert("ci".to_owned(), entry);
        let keys = ApiKeys::new(&cfg);
        assert_eq!(keys.find(&key).unwrap().name, "ci");
        assert!(keys.find("gk_wrong").is_none());
        assert!(keys.find(&key[3..]).is_none());
    }

    #[test]
    fn config_file_gets_the_entry_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gatehouse.toml");
        std::fs::write(&path, "# my settings\nlisten = \"127.0.0.1:9999\"\n").unwrap();
        let (key, snippet) =
            create("ci-bot", Grants::parse_list("users=read,logs=full").unwrap(), Some(&path)).unwrap();
        assert!(snippet.is_none());
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# my settings") && !text.contains(&key));
        let cfg = crate::config::Config::from_file(&path).unwrap();
        let keys = ApiKeys::new(&cfg.api_keys);
        let k = keys.find(&key).unwrap();
        assert_eq!(k.grants.level(Target::Group("logs")), Level::Full);
        assert!(remove_from_file(&path, "ci-bot").unwrap());
        assert!(crate::config::Config::from_file(&path).unwrap().api_keys.is_empty());
        assert!(create("bad name", Grants::none(), None).is_err());
        let scope = UserScope::parse_list("connection=acme-saml,app_metadata.team.name=eu").unwrap();
        let (key, _) = create_scoped("scoped", Grants::none(), Some(scope.clone()), Some(&path)).unwrap();
        let cfg = crate::config::Config::from_file(&path).unwrap();
        assert_eq!(ApiKeys::new(&cfg.api_keys).find(&key).unwrap().user_scope, Some(scope));
    }
}
