//! Every operation in words: a gerund phrase derived from its dotted name
//! and path ("removing permissions from user auth0|123", "creating a client
//! grant"), for audit sentences and refusals. Nothing here is written per
//! operation: nouns come from the path's segments, the verb from the last
//! segment of the name, so an operation the specs add reads too.
//!
//! Every phrase starts with a gerund of [`VERBS`], so that it can be put
//! in the past ("created a client grant") or the infinitive.

use crate::catalog::OpDesc;
use crate::path;

/// English forms of the verbs phrases start with: (gerund, base, past).
/// A test checks that every operation's phrase starts with one.
pub const VERBS: &[(&str, &str, &str)] = &[
    ("listing", "list", "listed"),
    ("reading", "read", "read"),
    ("creating", "create", "created"),
    ("updating", "update", "updated"),
    ("deleting", "delete", "deleted"),
    ("assigning", "assign", "assigned"),
    ("removing", "remove", "removed"),
    ("adding", "add", "added"),
    ("revoking", "revoke", "revoked"),
    ("inviting", "invite", "invited"),
    ("changing", "change", "changed"),
    ("granting", "grant", "granted"),
    ("requesting", "request", "requested"),
    ("searching", "search", "searched"),
    ("blocking", "block", "blocked"),
    ("unblocking", "unblock", "unblocked"),
    ("exporting", "export", "exported"),
    ("setting", "set", "set"),
    ("testing", "test", "tested"),
    ("rotating", "rotate", "rotated"),
    ("deploying", "deploy", "deployed"),
    ("verifying", "verify", "verified"),
    ("validating", "validate", "validated"),
    ("subscribing", "subscribe", "subscribed"),
    ("rolling", "roll", "rolled"),
    ("resetting", "reset", "reset"),
    ("rekeying", "rekey", "rekeyed"),
    ("registering", "register", "registered"),
    ("regenerating", "regenerate", "regenerated"),
    ("previewing", "preview", "previewed"),
    ("linking", "link", "linked"),
    ("invalidating", "invalidate", "invalidated"),
    ("importing", "import", "imported"),
    ("clearing", "clear", "cleared"),
    ("checking", "check", "checked"),
    ("calling", "call", "called"),
    ("following", "follow", "followed"),
];

/// The verb a name's action word stands for, as a base form of [`VERBS`].
fn base_verb(word: &str) -> &'static str {
    match word {
        "get" => "read",
        "patch" | "bulk" => "update",
        "rollback" => "roll",
        other => VERBS.iter().find(|(_, b, _)| *b == other).map_or("call", |(_, b, _)| b),
    }
}

fn gerund(base: &str) -> &'static str {
    VERBS.iter().find(|(_, b, _)| *b == base).map_or("calling", |(g, _, _)| g)
}

/// `clientGrants` → `["client", "grants"]`; `rotate-secret` → `["rotate", "secret"]`.
fn words(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in s.chars() {
        if c == '-' || c == '_' {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        } else if c.is_ascii_uppercase() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            current.push(c.to_ascii_lowercase());
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// `users` → `user`, `policies` → `policy`, `addresses` → `address`, `settings` stays.
fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if word.ends_with("sses") || word.ends_with("xes") {
        word[..word.len() - 2].to_owned()
    } else if word.ends_with("ss") || matches!(word, "settings" | "status" | "access" | "sms") {
        word.to_owned()
    } else if let Some(stem) = word.strip_suffix('s') {
        stem.to_owned()
    } else {
        word.to_owned()
    }
}

fn singular_phrase(noun: &str) -> String {
    match noun.rsplit_once(' ') {
        Some((head, last)) => format!("{head} {}", singular(last)),
        None => singular(noun),
    }
}

fn article(noun: &str) -> &'static str {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" }
}

/// One piece of the path: a noun, and the id that follows it.
struct Part {
    noun: String,
    id: Option<String>,
}

impl Part {
    fn label(&self) -> String {
        match &self.id {
            Some(id) => format!("{} {id}", singular_phrase(&self.noun)),
            None => self.noun.clone(),
        }
    }
}

/// The gerund phrase of a call of `op` with these decoded path parameters
/// (in template order), such as `removing permissions from user auth0|123`.
pub fn phrase(op: &OpDesc, params: &[String]) -> String {
    let action = op.name.rsplit('.').next().unwrap_or(op.name);
    let action_words = words(action);
    let verb = base_verb(action_words.first().map_or("", String::as_str));
    let tail: Vec<&str> = action_words.iter().skip(1).map(String::as_str).collect();

    // The path's nouns, each with the id after it.
    let prefix = if op.path.starts_with("/api/v2/") { "/api/v2/" } else { "/api/" };
    let mut parts: Vec<Part> = Vec::new();
    let mut values = params.iter();
    for segment in op.path.trim_start_matches(prefix).split('/').filter(|s| !s.is_empty()) {
        if segment.starts_with('{') {
            let value =
                values.next().cloned().unwrap_or_else(|| path::param_names(segment).next().unwrap_or("").to_owned());
            match parts.last_mut() {
                Some(last) if last.id.is_none() => last.id = Some(value),
                _ => parts.push(Part { noun: "item".to_owned(), id: Some(value) }),
            }
        } else {
            let noun = words(segment).join(" ");
            // `/actions/actions/{id}`: a group and its collection of the same name.
            if parts.last().is_some_and(|p| p.id.is_none() && p.noun == noun) {
                parts.pop();
            }
            parts.push(Part { noun, id: None });
        }
    }
    // A last segment that is the action itself (`/rotate-secret`, `/deploy`, `/test`).
    if parts.len() > 1
        && let Some(last) = parts.last()
        && last.id.is_none()
        && (last.noun == action_words.join(" ")
            || last.noun.split(' ').next() == action_words.first().map(String::as_str))
    {
        parts.pop();
    }
    let Some((target, parents)) = parts.split_last() else {
        return format!("{} {}", gerund(verb), op.name);
    };
    let context: String =
        parents.iter().rev().filter(|p| p.id.is_some()).map(|p| p.label()).collect::<Vec<_>>().join(" of ");
    // Settings-like paths (`/attack-protection/captcha`) read as one noun phrase.
    let mut thing = target.label();
    if target.id.is_none() {
        let plain: Vec<String> = parents.iter().filter(|p| p.id.is_none()).map(|p| p.noun.clone()).collect();
        if context.is_empty() && !plain.is_empty() {
            thing = format!("{} {thing}", plain.iter().map(|n| singular_phrase(n)).collect::<Vec<_>>().join(" "));
        }
    }
    // Words of the action that the path already says (`getMessageTypes` on
    // `.../message-types`), or that add nothing (`updateMany`, `deleteAll`).
    let said: Vec<&str> = target.noun.split(' ').chain(parents.iter().flat_map(|p| p.noun.split(' '))).collect();
    let mut tail: Vec<&str> = tail.into_iter().filter(|w| !matches!(*w, "many" | "all")).collect();
    if tail.iter().all(|w| said.contains(w) || said.iter().any(|s| singular(s) == *w)) {
        tail.clear();
    }
    let by = tail.first() == Some(&"by");
    let tail = tail.join(" ");
    let g = gerund(verb);
    match (verb, context.is_empty()) {
        ("create" | "add" | "assign", false) if target.id.is_none() => {
            let to = if verb == "create" { "adding" } else { g };
            format!("{to} {thing} to {context}")
        }
        ("create", true) if target.id.is_none() && tail.is_empty() => {
            let one = singular_phrase(&thing);
            format!("{g} {} {one}", article(&one))
        }
        ("delete" | "remove", false) => format!("removing {thing} from {context}"),
        (_, _) => {
            let of = if context.is_empty() { String::new() } else { format!(" of {context}") };
            if tail.is_empty() || by { format!("{g} {thing}{of}") } else { format!("{g} {tail} of {thing}{of}") }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{CATALOG, by_name};

    fn say(name: &str, params: &[&str]) -> String {
        let params: Vec<String> = params.iter().map(|p| (*p).to_owned()).collect();
        phrase(by_name(name).unwrap(), &params)
    }

    #[test]
    fn phrases_read_as_english() {
        assert_eq!(say("users.permissions.delete", &["auth0|123"]), "removing permissions from user auth0|123");
        assert_eq!(say("users.permissions.create", &["auth0|123"]), "adding permissions to user auth0|123");
        assert_eq!(say("users.permissions.list", &["auth0|123"]), "listing permissions of user auth0|123");
        assert_eq!(say("clientGrants.create", &[]), "creating a client grant");
        assert_eq!(say("clientGrants.list", &[]), "listing client grants");
        assert_eq!(say("clientGrants.delete", &["cgr_1"]), "deleting client grant cgr_1");
        assert_eq!(say("clients.rotateSecret", &["c1"]), "rotating secret of client c1");
        assert_eq!(say("actions.deploy", &["a1"]), "deploying action a1");
        assert_eq!(say("users.delete", &["u1"]), "deleting user u1");
        assert_eq!(say("logStreams.get", &["ls1"]), "reading log stream ls1");
        assert_eq!(
            say("organizations.members.roles.delete", &["org_1", "u1"]),
            "removing roles from member u1 of organization org_1"
        );
        assert_eq!(say("teams.tenants.members.list", &["t1"]), "listing members of tenant t1");
    }

    #[test]
    fn every_operation_has_a_phrase_with_a_known_verb() {
        for op in CATALOG {
            let params: Vec<String> = op.path_params().map(|n| format!("{n}-value")).collect();
            let p = phrase(op, &params);
            let first = p.split(' ').next().unwrap();
            assert!(VERBS.iter().any(|(g, _, _)| *g == first) && first != "calling", "{}: {p}", op.name);
            for v in &params {
                assert!(p.contains(v.as_str()), "{}: {p} names {v}", op.name);
            }
        }
    }
}
