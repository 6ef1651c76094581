//! Names for ids: the emails of users and the names of applications, so
//! tables and pickers show what people think in rather than raw ids.

use super::{Fut, call};
use gatehouse_model::Page;
use gatehouse_model::ops::{Offset, clients, users};
use gatehouse_model::types::{Client, User};
use std::collections::BTreeMap;

/// Labels by id.
pub type Labels = BTreeMap<String, String>;

/// Users found for pasted lines, `(id, label)`, and a message per line that named none.
pub type Resolved = (Vec<(String, String)>, Vec<String>);

/// A user's label: email, else name, else id.
pub fn user_label(u: &User) -> String {
    let id = u.user_id.clone().unwrap_or_default();
    u.email.clone().or_else(|| u.name.clone()).unwrap_or(id)
}

/// The Lucene query that finds exactly these users by id (quoted, so `|`
/// and other characters need no escaping); `None` for no ids.
pub fn ids_query(ids: &[String]) -> Option<String> {
    let quoted: Vec<String> = ids
        .iter()
        .filter(|i| !i.is_empty())
        .map(|i| format!("\"{}\"", i.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    (!quoted.is_empty()).then(|| format!("user_id:({})", quoted.join(" OR ")))
}

/// The labels of these users (one search, at most 100 ids).
pub fn user_labels(mut ids: Vec<String>) -> Fut<Labels> {
    ids.sort();
    ids.dedup();
    ids.truncate(100);
    let Some(q) = ids_query(&ids) else { return Box::pin(async { Ok(Labels::new()) }) };
    let sending = search(Some(q), 100);
    Box::pin(async move {
        // The search may match more (a quoted id is a phrase): keep exact ids only.
        Ok(labels(&sending.await?).into_iter().filter(|(id, _)| ids.contains(id)).collect())
    })
}

/// One search of users (v3) answering ids, emails and names only.
fn search(q: Option<String>, per_page: u64) -> Fut<Page<User>> {
    call(users::List {
        q,
        search_engine: Some("v3".into()),
        fields: Some("user_id,email,name".into()),
        include_fields: Some(true),
        offset: Offset::page(0, per_page),
        ..Default::default()
    })
}

/// `(id, label)` of each user found.
fn labels(page: &Page<User>) -> Vec<(String, String)> {
    page.items.iter().filter_map(|u| Some((u.user_id.clone()?, user_label(u)))).collect()
}

/// Users matching what someone typed (plain text or Lucene), for pickers: `(id, label)`.
pub fn find_users(text: &str) -> Fut<Vec<(String, String)>> {
    let sending = search(crate::logic::lucene::user_query(text), 10);
    Box::pin(async move { Ok(labels(&sending.await?)) })
}

/// Users named by pasted lines (ids or emails): the users found, and one
/// message per line that names no user ("Line 3 (jane@acme.com): no such user").
pub fn resolve_lines(text: &str) -> Fut<Resolved> {
    let lines = crate::logic::json::numbered_lines(text);
    let quoted = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let ids: Vec<String> =
        lines.iter().filter(|(_, l)| !l.contains('@') || l.contains('|')).map(|(_, l)| quoted(l)).collect();
    let emails: Vec<String> =
        lines.iter().filter(|(_, l)| l.contains('@') && !l.contains('|')).map(|(_, l)| quoted(l)).collect();
    let mut parts = Vec::new();
    if !ids.is_empty() {
        parts.push(format!("user_id:({})", ids.join(" OR ")));
    }
    if !emails.is_empty() {
        parts.push(format!("email:({})", emails.join(" OR ")));
    }
    if parts.is_empty() {
        return Box::pin(async { Ok((Vec::new(), Vec::new())) });
    }
    let sending = search(Some(parts.join(" OR ")), 100);
    Box::pin(async move { Ok(match_lines(&lines, &sending.await?.items)) })
}

/// Which line names which user: exact ids, emails without regard to case.
pub fn match_lines(lines: &[(usize, String)], users: &[User]) -> Resolved {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for (n, line) in lines {
        let hit = users.iter().find(|u| {
            u.user_id.as_deref() == Some(line.as_str())
                || u.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(line))
        });
        match hit.and_then(|u| Some((u.user_id.clone()?, user_label(u)))) {
            Some(entry) => found.push(entry),
            None => problems.push(format!("Line {n} ({line}): no such user.")),
        }
    }
    (found, problems)
}

/// The names of the tenant's applications (the first 100).
pub fn client_names() -> Fut<Labels> {
    let sending = call(clients::List {
        fields: Some("client_id,name".into()),
        include_fields: Some(true),
        offset: Offset::page(0, 100),
        ..Default::default()
    });
    Box::pin(async move {
        let page: Page<Client> = sending.await?;
        Ok(page.items.iter().filter_map(|c| Some((c.client_id.clone()?, c.name.clone().unwrap_or_default()))).collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn lines_match_users_or_say_which_failed() {
        let u: User =
            serde_json::from_value(serde_json::json!({"user_id": "auth0|1", "email": "Jane@Acme.com"})).unwrap();
        let lines = crate::logic::json::numbered_lines("auth0|1\n\njane@acme.com\nnobody@acme.com");
        let (found, problems) = match_lines(&lines, &[u]);
        assert_eq!(found.len(), 2);
        assert_eq!(problems, ["Line 4 (nobody@acme.com): no such user."]);
    }

    #[test]
    fn ids_become_one_quoted_query() {
        assert_eq!(ids_query(&[]), None);
        assert_eq!(ids_query(&["".into()]), None);
        assert_eq!(ids_query(&["auth0|1".into(), "a\"b".into()]).as_deref(), Some(r#"user_id:("auth0|1" OR "a\"b")"#));
    }
}
