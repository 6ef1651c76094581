//! API keys for machine principals: `Authorization: Bearer gk_...`.
//!
//! A key is `gk_` followed by 256 random bits (URL-safe base64). Only its
//! SHA-256 is ever kept, in one of two places:
//! - the configuration file, under `[api_keys.NAME]` with the key's own
//!   access levels (`gatehouse serve --create-api-key`): reviewed with the
//!   policy, changed only by editing the file and restarting;
//! - the BFF's database, managed live through `/keys` ([`crate::keys`]):
//!   created, changed and revoked by admins holding `apiKeys = "full"`,
//!   never beyond their own access, effective at once.
//!
//! A stolen configuration file or database holds no usable credential.
//!
//! Why SHA-256 and not a password hash such as argon2: password hashes are
//! slow on purpose so that guessing low-entropy passwords from a leaked
//! hash is expensive. These keys are 256 random bits: nobody can guess one
//! from its SHA-256, slow or fast, so the slowness would buy nothing, and
//! it would cost tens of milliseconds of CPU on every API call (the proxy's
//! whole latency budget is well under a millisecond) and hand attackers a
//! cheap way to burn the server's CPU with bogus keys.

use crate::clock::Clock;
use crate::config::ApiKeyConfig;
use crate::policy::Grants;
use crate::security::{hash_token, random_token};
use crate::store::{KeyStore, LAST_USED_GRANULARITY_MS, StoreError};
use gatehouse_model::scope::UserScope;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

/// The prefix of every key, so leaked keys are easy to recognise (and to scan for).
pub const PREFIX: &str = "gk_";

/// The longest name a key may have.
pub const MAX_NAME_LEN: usize = 64;

/// Whether `name` may name a key: 1 to [`MAX_NAME_LEN`] ASCII letters,
/// digits, `-` and `_` (it shows in the audit log and in URLs as it is).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

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

/// Every key the BFF accepts: those of the configuration file, held in
/// memory by hash, and (once [`ApiKeys::with_store`] is given one) those
/// it manages in its database, looked up by hash on every request.
///
/// Looking a database key up on each request, rather than caching it, is
/// what makes a key created, changed or revoked through `/keys` take effect
/// at once, in this instance and in every other one sharing the database:
/// there is no cache to invalidate. The lookup is one indexed `SELECT` by
/// the key's SHA-256 (and, at most once a minute per key, an `UPDATE` of
/// when it was last used); keys of the configuration file never reach the
/// database.
#[derive(Clone, Default)]
pub struct ApiKeys {
    by_hash: HashMap<String, ApiKey>,
    configured: BTreeMap<String, Grants>,
    store: Option<(Arc<dyn KeyStore>, Arc<dyn Clock>)>,
}

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeys")
            .field("configured", &self.configured.keys().collect::<Vec<_>>())
            .field("database", &self.store.is_some())
            .finish()
    }
}

impl ApiKeys {
    /// The keys of the configuration.
    pub fn new<'a>(keys: impl IntoIterator<Item = (&'a String, &'a ApiKeyConfig)>) -> Self {
        let mut by_hash = HashMap::new();
        let mut configured = BTreeMap::new();
        for (name, k) in keys {
            let key = ApiKey { name: name.clone(), grants: k.access.clone(), user_scope: k.user_scope.clone() };
            by_hash.insert(k.sha256.to_ascii_lowercase(), key);
            configured.insert(name.clone(), k.access.clone());
        }
        Self { by_hash, configured, store: None }
    }

    /// Also accepts the keys of `store`; `clock` dates their use.
    #[must_use]
    pub fn with_store(mut self, store: Arc<dyn KeyStore>, clock: Arc<dyn Clock>) -> Self {
        self.store = Some((store, clock));
        self
    }

    /// The database's keys, when there is a database.
    pub fn store(&self) -> Option<&Arc<dyn KeyStore>> {
        self.store.as_ref().map(|(s, _)| s)
    }

    /// The key a bearer token is, if any: a key of the configuration, or
    /// one of the database that is not revoked (its use recorded, at most
    /// once a minute). A stored key whose access no longer parses (a
    /// target renamed since) is refused, and logged.
    pub fn lookup(&self, token: &str) -> Result<Option<ApiKey>, StoreError> {
        if !token.starts_with(PREFIX) || token.len() > 128 {
            return Ok(None);
        }
        let hash = hash_token(token);
        if let Some(key) = self.by_hash.get(&hash) {
            return Ok(Some(key.clone()));
        }
        let Some((store, clock)) = &self.store else { return Ok(None) };
        let Some(row) = store.active_by_hash(&hash)? else { return Ok(None) };
        let grants = match Grants::parse_list(&row.access) {
            Ok(g) => g,
            Err(e) => {
                tracing::error!(key = %row.name, error = %e, "a stored API key's access does not parse; it is refused");
                return Ok(None);
            }
        };
        let now = clock.now_ms();
        if row.last_used_ms.is_none_or(|t| now - t >= LAST_USED_GRANULARITY_MS)
            && let Err(e) = store.touch(row.id, now)
        {
            tracing::warn!(key = %row.name, error = %e, "could not record an API key's use");
        }
        let user_scope = match row.user_scope.as_deref().map(serde_json::from_str::<UserScope>).transpose() {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(key = %row.name, error = %e, "a stored API key's user scope does not parse; it is refused");
                return Ok(None);
            }
        };
        Ok(Some(ApiKey { name: row.name, grants, user_scope }))
    }

    /// The keys of the configuration file, by name.
    pub fn configured(&self) -> &BTreeMap<String, Grants> {
        &self.configured
    }

    /// The grants of every key of the configuration file. (A key of the
    /// database never grants more than its creator holds, so the policy's
    /// roles and these cover it.)
    pub fn grants(&self) -> impl Iterator<Item = &Grants> {
        self.configured.values()
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
    if !valid_name(name) {
        anyhow::bail!("an API key name is 1 to {MAX_NAME_LEN} letters, digits, `-` and `_`");
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
        assert_eq!(keys.lookup(&key).unwrap().unwrap().name, "ci");
        assert!(keys.lookup("gk_wrong").unwrap().is_none());
        assert!(keys.lookup(&key[3..]).unwrap().is_none());
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
        let k = keys.lookup(&key).unwrap().unwrap();
        assert_eq!(k.grants.level(Target::Group("logs")), Level::Full);
        assert!(remove_from_file(&path, "ci-bot").unwrap());
        assert!(crate::config::Config::from_file(&path).unwrap().api_keys.is_empty());
        assert!(create("bad name", Grants::none(), None).is_err());
        let scope = UserScope::parse_list("connection=acme-saml,app_metadata.team.name=eu").unwrap();
        let (key, _) = create_scoped("scoped", Grants::none(), Some(scope.clone()), Some(&path)).unwrap();
        let cfg = crate::config::Config::from_file(&path).unwrap();
        assert_eq!(ApiKeys::new(&cfg.api_keys).lookup(&key).unwrap().unwrap().user_scope, Some(scope));
    }
}
