//! What a call changed, in words: the audit log's gerund phrases, built
//! from the operation table's phrase, the request body and the answer.
//!
//! The table says "updating user {id}" for every change to a user; the
//! body says which: `{"blocked": true}` is "blocking user ana@acme.test
//! (auth0|1)", `{"user_metadata": {..}}` is "changing user_metadata of
//! user ...". Everything here is data-driven: which body fields become
//! which verbs ([`BOOLEAN_VERBS`]), which keys name an object's id and
//! label ([`ID_KEYS`], [`LABEL_KEYS`]), and which words of the table's
//! phrase a body's id list fills in (a body key that is also a word of the
//! phrase, such as `roles` in "assigning roles to user {id}"). An operation
//! without a special case keeps the table's phrase, with the labels of its
//! path parameters filled in, so a row added to the table always reads.
//!
//! Every phrase starts with a gerund of [`crate::words`], so it can be put
//! in the past ("blocked user ...") or the infinitive ("block user ...").

use crate::security::is_secret_key;
use gatehouse_model::operation::{Access, OperationSpec, Verb};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;

/// Labels the caller already knows, by id: a user id → its email, a role id → its name.
pub(crate) type Names = BTreeMap<String, String>;

/// Keys that hold an object's id, most specific first.
const ID_KEYS: &[&str] = &["user_id", "client_id", "tenant_id", "id"];

/// Keys that hold an object's human label, best first. An email label is
/// shown with the id beside it ("ana@acme.test (auth0|1)"), a name alone.
const LABEL_KEYS: &[&str] = &["email", "name"];

/// Boolean body fields that are a verb of their own when sent alone:
/// `(field, gerund when true, gerund when false)`.
const BOOLEAN_VERBS: &[(&str, &str, &str)] = &[("blocked", "blocking", "unblocking")];

/// The table verbs whose body says more precisely what changed.
const GENERIC_UPDATE: &str = "updating";

/// How many items of an id list a phrase names before "and N more".
const LIST_LIMIT: usize = 10;

/// How long a label may be in a sentence (labels come from tenant data).
const LABEL_MAX: usize = 80;

/// The gerund phrase of a call: what it did, naming the objects it touched.
///
/// `params` are the decoded path parameters, `request` the request body
/// (secrets may already be redacted: they are named, never shown), and
/// `response` the tenant's answer when it succeeded. `names` maps ids to
/// labels the caller knows; labels found in the bodies are used too. Reads
/// keep the table's phrase ([`OperationSpec::describe_with`]).
pub(crate) fn phrase(
    spec: &'static OperationSpec,
    params: &[String],
    request: Option<&Value>,
    response: Option<&Value>,
    names: &Names,
) -> String {
    if spec.access == Access::Read {
        return spec.describe_with(params);
    }
    let mut names = names.clone();
    for body in [response, request].into_iter().flatten() {
        learn_missing(body, &mut names);
    }
    let request = request.and_then(Value::as_object);
    let tokens = tokens(spec, params);
    let (verb, rest) = match tokens.split_first() {
        Some((Token::Word(w), rest)) => (*w, rest),
        _ => return spec.describe_with(params),
    };

    // A creation (a write to a collection): name what was created.
    if spec.param_names().next().is_none()
        && spec.verb == Verb::Post
        && let Some(created) = created_label(response, request)
    {
        let words: Vec<&str> = rest.iter().filter_map(Token::word).collect();
        // "creating a user" names one; "inviting team members" names a plural.
        let (noun, plural) = match words.split_first() {
            Some((&("a" | "an"), noun)) => (noun.join(" "), false),
            _ => (words.join(" "), true),
        };
        if !noun.is_empty() {
            let noun = if plural { singular_phrase(&noun) } else { noun };
            return format!("{verb} {noun} {created}");
        }
    }

    let object = render(rest, params, request, &names);
    if verb == GENERIC_UPDATE
        && let Some(body) = request.filter(|b| !b.is_empty())
    {
        if body.len() == 1
            && let Some((field, on, off)) = BOOLEAN_VERBS.iter().find(|(f, _, _)| body.contains_key(*f))
            && let Some(value) = body.get(*field).and_then(Value::as_bool)
        {
            return format!("{} {object}", if value { on } else { off });
        }
        let fields: Vec<String> = body.keys().map(|k| field_word(k)).collect();
        return format!("changing {} of {object}", list(&fields));
    }
    format!("{verb} {object}")
}

/// The ids a call's bodies name, to store beside its path parameters so
/// that the audit log can be searched by them: each id list of the request
/// that the table's phrase names (`roles`, `users`, `members`), and the id
/// of an object created.
pub(crate) fn named_ids(
    spec: &'static OperationSpec,
    request: Option<&Value>,
    response: Option<&Value>,
) -> Map<String, Value> {
    let mut out = Map::new();
    if spec.access == Access::Read {
        return out;
    }
    if let Some(body) = request.and_then(Value::as_object) {
        let words: Vec<&str> = spec.describe.split(' ').collect();
        for (key, value) in body {
            if words.contains(&key.as_str()) {
                let ids: Vec<Value> = item_ids(value).into_iter().map(Value::from).collect();
                if !ids.is_empty() {
                    out.insert(key.clone(), Value::Array(ids));
                }
            }
        }
    }
    if spec.param_names().next().is_none()
        && spec.verb == Verb::Post
        && let Some(obj) = response.and_then(Value::as_object)
        && let Some((key, id)) = ID_KEYS.iter().find_map(|k| obj.get(*k).and_then(Value::as_str).map(|id| (*k, id)))
    {
        out.insert(key.to_owned(), Value::from(id));
    }
    out
}

/// Adds the labels a JSON body gives: every object (at the top, in a top
/// array, or in an array of a top-level envelope such as `{"roles": [..]}`)
/// with an id and a label. Later bodies do not replace labels already known.
pub(crate) fn learn_missing(body: &Value, names: &mut Names) {
    each_object(body, &mut |id, label| {
        names.entry(id.to_owned()).or_insert_with(|| label.to_owned());
    });
}

fn each_object(body: &Value, f: &mut dyn FnMut(&str, &str)) {
    let mut visit = |v: &Value| {
        if let Some((id, label)) = id_and_label(v) {
            f(id, &label);
        }
    };
    match body {
        Value::Object(map) => {
            visit(body);
            for v in map.values() {
                if let Value::Array(items) = v {
                    items.iter().for_each(&mut visit);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(visit),
        _ => {}
    }
}

fn id_and_label(v: &Value) -> Option<(&str, String)> {
    let obj = v.as_object()?;
    let id = ID_KEYS.iter().find_map(|k| obj.get(*k).and_then(Value::as_str)).filter(|s| !s.is_empty())?;
    let label =
        LABEL_KEYS.iter().find_map(|k| obj.get(*k).and_then(Value::as_str)).map(clean).filter(|s| !s.is_empty())?;
    Some((id, label))
}

/// A label as a sentence may show it: no control characters, bounded length.
fn clean(s: &str) -> String {
    let mut out: String =
        s.chars().map(|c| if c.is_control() { ' ' } else { c }).take(LABEL_MAX).collect::<String>().trim().to_owned();
    if s.chars().count() > LABEL_MAX {
        out.push('…');
    }
    out
}

/// One word of a table phrase, or a path parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    Word(&'a str),
    Param(usize),
}

impl<'a> Token<'a> {
    fn word(&self) -> Option<&'a str> {
        match self {
            Self::Word(w) => Some(w),
            Self::Param(_) => None,
        }
    }
}

fn tokens(spec: &'static OperationSpec, params: &[String]) -> Vec<Token<'static>> {
    let names: Vec<&str> = spec.param_names().collect();
    spec.describe
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.strip_prefix('{')
                .and_then(|w| w.strip_suffix('}'))
                .and_then(|name| names.iter().position(|n| *n == name))
                .filter(|i| *i < params.len())
                .map_or(Token::Word(w), Token::Param)
        })
        .collect()
}

/// The words after the verb, with labels for parameters and id lists from the body.
fn render(tokens: &[Token<'_>], params: &[String], request: Option<&Map<String, Value>>, names: &Names) -> String {
    let mut out = Vec::with_capacity(tokens.len());
    for token in tokens {
        match token {
            Token::Param(i) => out.push(label(&params[*i], names)),
            Token::Word(w) => {
                let ids = request.and_then(|b| b.get(*w)).map(item_ids).unwrap_or_default();
                if ids.is_empty() {
                    out.push((*w).to_owned());
                } else {
                    out.push(id_list(w, &ids, names));
                }
            }
        }
    }
    out.join(" ")
}

/// "role gatehouse-support" or "roles a, b" for the body's list under `word`.
fn id_list(word: &str, ids: &[String], names: &Names) -> String {
    let noun = if ids.len() == 1 { singular(word) } else { word };
    let mut labels: Vec<String> = ids.iter().take(LIST_LIMIT).map(|id| label(id, names)).collect();
    if ids.len() > LIST_LIMIT {
        labels.push(format!("{} more", ids.len() - LIST_LIMIT));
        return format!("{noun} {}", list(&labels));
    }
    format!("{noun} {}", labels.join(", "))
}

/// The ids of a body list: strings, or objects with an id.
fn item_ids(value: &Value) -> Vec<String> {
    let Some(items) = value.as_array() else { return Vec::new() };
    items
        .iter()
        .filter_map(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => ID_KEYS.iter().find_map(|k| o.get(*k).and_then(Value::as_str)).map(str::to_owned),
            _ => None,
        })
        .collect()
}

/// How an id reads: "ana@acme.test (auth0|1)" for a known email, the name
/// for another known label, the id itself otherwise.
fn label(id: &str, names: &Names) -> String {
    match names.get(id) {
        Some(l) if l.contains('@') => format!("{l} ({id})"),
        Some(l) if !l.is_empty() => l.clone(),
        _ => id.to_owned(),
    }
}

/// The label of an object being created: from the answer (with its new
/// id), else from the request.
fn created_label(response: Option<&Value>, request: Option<&Map<String, Value>>) -> Option<String> {
    if let Some(resp) = response
        && let Some((id, l)) = id_and_label(resp)
    {
        return Some(if l.contains('@') { format!("{l} ({id})") } else { l });
    }
    let obj = response.and_then(Value::as_object);
    let from_request =
        request.and_then(|r| LABEL_KEYS.iter().find_map(|k| r.get(*k).and_then(Value::as_str))).map(clean);
    let id = obj.and_then(|o| ID_KEYS.iter().find_map(|k| o.get(*k).and_then(Value::as_str)));
    match (from_request.filter(|l| !l.is_empty()), id) {
        (Some(l), Some(id)) if l.contains('@') => Some(format!("{l} ({id})")),
        (Some(l), _) => Some(l),
        (None, Some(id)) => Some(id.to_owned()),
        (None, None) => None,
    }
}

/// A body field as a phrase names it: secrets by what they are ("the
/// password"), never their value; other fields by their key.
fn field_word(key: &str) -> String {
    if is_secret_key(key) { format!("the {}", key.replace('_', " ")) } else { key.to_owned() }
}

fn singular(word: &str) -> &str {
    word.strip_suffix('s').filter(|w| !w.is_empty()).unwrap_or(word)
}

/// "team members" → "team member" (the last word).
fn singular_phrase(noun: &str) -> String {
    match noun.rsplit_once(' ') {
        Some((head, last)) => format!("{head} {}", singular(last)),
        None => singular(noun).to_owned(),
    }
}

/// "a", "a and b", "a, b and c".
fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Labels seen in the tenant's answers, by id, so that later sentences can
/// name what an id alone does not (the role a role assignment names by id
/// was listed when the admin picked it). Bounded: the oldest are forgotten.
#[derive(Debug)]
pub(crate) struct Labels {
    inner: Mutex<LabelsInner>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct LabelsInner {
    map: HashMap<String, String>,
    order: VecDeque<String>,
}

impl Default for Labels {
    fn default() -> Self {
        Self::with_capacity(20_000)
    }
}

impl Labels {
    /// An empty book that keeps at most `capacity` labels.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self { inner: Mutex::new(LabelsInner::default()), capacity: capacity.max(1) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LabelsInner> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Remembers the labels of the objects in a JSON body (see [`learn_missing`]); newer labels win.
    pub(crate) fn learn(&self, body: &Value) {
        let mut found = Vec::new();
        each_object(body, &mut |id, label| found.push((id.to_owned(), label.to_owned())));
        if found.is_empty() {
            return;
        }
        let mut inner = self.lock();
        for (id, label) in found {
            if inner.map.insert(id.clone(), label).is_none() {
                inner.order.push_back(id);
            }
        }
        while inner.map.len() > self.capacity {
            match inner.order.pop_front() {
                Some(old) => {
                    inner.map.remove(&old);
                }
                None => break,
            }
        }
    }

    /// The known labels of these ids.
    pub(crate) fn names_for<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> Names {
        let inner = self.lock();
        ids.into_iter().filter_map(|id| inner.map.get(id).map(|l| (id.to_owned(), l.clone()))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::{infinitive, past};
    use gatehouse_model::OPERATIONS;
    use gatehouse_model::operation::OperationId;
    use serde_json::json;

    fn ana() -> Names {
        Names::from([("auth0|1".to_owned(), "ana@acme.test".to_owned())])
    }

    fn roles() -> Names {
        let mut n = ana();
        n.insert("rol_s".into(), "gatehouse-support".into());
        n.insert("rol_v".into(), "gatehouse-viewer".into());
        n
    }

    fn say(id: OperationId, params: &[&str], req: Option<Value>, resp: Option<Value>, names: &Names) -> String {
        let params: Vec<String> = params.iter().map(|s| (*s).to_owned()).collect();
        phrase(id.spec(), &params, req.as_ref(), resp.as_ref(), names)
    }

    #[test]
    fn blocking_and_unblocking() {
        let none = Names::new();
        assert_eq!(
            say(OperationId::UpdateUser, &["auth0|1"], Some(json!({"blocked": true})), None, &ana()),
            "blocking user ana@acme.test (auth0|1)"
        );
        assert_eq!(
            say(OperationId::UpdateUser, &["auth0|1"], Some(json!({"blocked": false})), None, &none),
            "unblocking user auth0|1"
        );
        // The email in the answer names the user when the caller did not know it.
        assert_eq!(
            say(
                OperationId::UpdateUser,
                &["auth0|1"],
                Some(json!({"blocked": true})),
                Some(json!({"user_id": "auth0|1", "email": "ana@acme.test", "blocked": true})),
                &none
            ),
            "blocking user ana@acme.test (auth0|1)"
        );
    }

    #[test]
    fn field_changes_name_the_fields_and_never_show_secrets() {
        assert_eq!(
            say(OperationId::UpdateUser, &["auth0|1"], Some(json!({"user_metadata": {"a": 1}})), None, &ana()),
            "changing user_metadata of user ana@acme.test (auth0|1)"
        );
        assert_eq!(
            say(
                OperationId::UpdateUser,
                &["auth0|1"],
                Some(json!({"email": "new@acme.test", "user_metadata": {}})),
                None,
                &ana()
            ),
            "changing email and user_metadata of user ana@acme.test (auth0|1)"
        );
        let p = say(OperationId::UpdateUser, &["auth0|1"], Some(json!({"password": "hunter2-Secret"})), None, &ana());
        assert_eq!(p, "changing the password of user ana@acme.test (auth0|1)");
        assert!(!p.contains("hunter2"));
        assert_eq!(
            say(OperationId::UpdateUser, &["auth0|1"], Some(json!({"blocked": true, "name": "A"})), None, &ana()),
            "changing blocked and name of user ana@acme.test (auth0|1)"
        );
        assert_eq!(
            say(OperationId::UpdateRole, &["rol_s"], Some(json!({"description": "d"})), None, &roles()),
            "changing description of role gatehouse-support"
        );
        // No body: the table's phrase, labelled.
        assert_eq!(
            say(OperationId::UpdateUser, &["auth0|1"], None, None, &ana()),
            "updating user ana@acme.test (auth0|1)"
        );
    }

    #[test]
    fn creations_name_what_was_created() {
        let none = Names::new();
        assert_eq!(
            say(
                OperationId::CreateRole,
                &[],
                Some(json!({"name": "Walk QA Role"})),
                Some(json!({"id": "rol_new", "name": "Walk QA Role"})),
                &none
            ),
            "creating role Walk QA Role"
        );
        assert_eq!(
            say(OperationId::CreateRole, &[], Some(json!({"name": "Walk QA Role"})), None, &none),
            "creating role Walk QA Role"
        );
        assert_eq!(
            say(
                OperationId::CreateUser,
                &[],
                Some(json!({"email": "x@y.test", "connection": "db", "password": "p"})),
                Some(json!({"user_id": "auth0|new-id", "email": "x@y.test"})),
                &none
            ),
            "creating user x@y.test (auth0|new-id)"
        );
        assert_eq!(
            say(OperationId::CreateUser, &[], Some(json!({"email": "x@y.test"})), None, &none),
            "creating user x@y.test"
        );
        assert_eq!(
            say(OperationId::CreateClient, &[], Some(json!({"name": "Shop"})), None, &none),
            "creating application Shop"
        );
        assert_eq!(
            say(
                OperationId::InviteTeamMembers,
                &[],
                Some(json!({"email": "new@team.test", "role": "admin"})),
                None,
                &none
            ),
            "inviting team member new@team.test"
        );
        // Nothing to name it by: the table's phrase.
        assert_eq!(
            say(OperationId::CreateUser, &[], Some(json!({"connection": "db"})), None, &none),
            "creating a user"
        );
    }

    #[test]
    fn role_assignments_name_roles_and_users() {
        assert_eq!(
            say(OperationId::AssignUserRoles, &["auth0|1"], Some(json!({"roles": ["rol_s"]})), None, &roles()),
            "assigning role gatehouse-support to user ana@acme.test (auth0|1)"
        );
        assert_eq!(
            say(OperationId::AssignUserRoles, &["auth0|1"], Some(json!({"roles": ["rol_s", "rol_x"]})), None, &roles()),
            "assigning roles gatehouse-support, rol_x to user ana@acme.test (auth0|1)"
        );
        assert_eq!(
            say(OperationId::RemoveUserRoles, &["auth0|1"], Some(json!({"roles": ["rol_v"]})), None, &roles()),
            "removing role gatehouse-viewer from user ana@acme.test (auth0|1)"
        );
        assert_eq!(
            say(
                OperationId::AssignRoleUsers,
                &["rol_s"],
                Some(json!({"users": ["auth0|1", "auth0|2"]})),
                None,
                &roles()
            ),
            "assigning role gatehouse-support to users ana@acme.test (auth0|1), auth0|2"
        );
        let many: Vec<String> = (0..12).map(|i| format!("auth0|{i}")).collect();
        let p = say(OperationId::AssignRoleUsers, &["rol_s"], Some(json!({"users": many})), None, &Names::new());
        assert!(p.ends_with("auth0|9 and 2 more"), "{p}");
        assert_eq!(
            say(OperationId::AddOrganizationMembers, &["org_1"], Some(json!({"members": ["auth0|1"]})), None, &ana()),
            "adding member ana@acme.test (auth0|1) to organization org_1"
        );
    }

    #[test]
    fn deletions_and_reads() {
        assert_eq!(
            say(OperationId::DeleteUser, &["auth0|1"], None, None, &ana()),
            "deleting user ana@acme.test (auth0|1)"
        );
        assert_eq!(say(OperationId::DeleteUser, &["auth0|9"], None, None, &ana()), "deleting user auth0|9");
        assert_eq!(say(OperationId::DeleteRole, &["rol_s"], None, None, &roles()), "deleting role gatehouse-support");
        // Reads keep the table's phrase, whatever is known.
        assert_eq!(say(OperationId::GetUser, &["auth0|1"], None, None, &ana()), "reading user auth0|1");
        assert_eq!(say(OperationId::ListUsers, &[], None, Some(json!([])), &ana()), "listing users");
    }

    #[test]
    fn labels_are_cleaned() {
        let empty = Names::from([("auth0|1".to_owned(), String::new())]);
        assert_eq!(say(OperationId::DeleteUser, &["auth0|1"], None, None, &empty), "deleting user auth0|1");
        let evil = json!({"user_id": "auth0|1", "email": "a\n@b.test"});
        let p = say(OperationId::DeleteUser, &["auth0|1"], None, Some(evil), &Names::new());
        assert_eq!(p, "deleting user a @b.test (auth0|1)");
        let mut n = Names::new();
        learn_missing(&json!({"user_id": "auth0|2", "email": "a\n@b.test"}), &mut n);
        assert_eq!(n["auth0|2"], "a @b.test");
        learn_missing(&json!({"id": "rol_1", "name": "x".repeat(200)}), &mut n);
        assert_eq!(n["rol_1"].chars().count(), LABEL_MAX + 1);
    }

    #[test]
    fn ids_named_by_bodies() {
        let ids = named_ids(OperationId::AssignUserRoles.spec(), Some(&json!({"roles": ["rol_s"]})), None);
        assert_eq!(Value::Object(ids), json!({"roles": ["rol_s"]}));
        let ids = named_ids(
            OperationId::CreateUser.spec(),
            Some(&json!({"email": "x@y"})),
            Some(&json!({"user_id": "auth0|n", "email": "x@y"})),
        );
        assert_eq!(Value::Object(ids), json!({"user_id": "auth0|n"}));
        assert!(named_ids(OperationId::ListUsers.spec(), None, Some(&json!([{"user_id": "a"}]))).is_empty());
    }

    #[test]
    fn the_label_book_learns_from_envelopes_and_forgets_the_oldest() {
        let book = Labels::with_capacity(2);
        book.learn(&json!({"roles": [{"id": "rol_a", "name": "A"}, {"id": "rol_b", "name": "B"}], "total": 2}));
        assert_eq!(book.names_for(["rol_a", "rol_b", "rol_c"]).len(), 2);
        book.learn(&json!([{"user_id": "auth0|1", "email": "ana@acme.test"}]));
        let known = book.names_for(["rol_a", "rol_b", "auth0|1"]);
        assert_eq!(known.len(), 2);
        assert!(!known.contains_key("rol_a"), "the oldest is forgotten");
        assert_eq!(known["auth0|1"], "ana@acme.test");
    }

    /// Every phrase this module makes, for every operation of the table,
    /// has a verb that `words` can conjugate.
    #[test]
    fn every_phrase_conjugates() {
        let bodies = [
            None,
            Some(json!({})),
            Some(json!({"blocked": true})),
            Some(json!({"blocked": false})),
            Some(json!({"name": "N", "email": "e@x.test", "password": "p"})),
            Some(json!({"roles": ["rol_s"], "users": ["auth0|1", "auth0|2"], "members": ["auth0|1"]})),
        ];
        let response = json!({"id": "x_1", "user_id": "auth0|1", "name": "N", "email": "e@x.test"});
        for spec in OPERATIONS {
            let params: Vec<String> = spec.param_names().map(|n| format!("{n}-value")).collect();
            for body in &bodies {
                for resp in [None, Some(&response)] {
                    let p = phrase(spec, &params, body.as_ref(), resp, &roles());
                    assert!(!past(&p).starts_with("went ahead"), "{:?}: {p}", spec.id);
                    assert!(!infinitive(&p).starts_with("go ahead"), "{:?}: {p}", spec.id);
                    assert!(!p.contains('{'), "{:?}: unfilled parameter in {p}", spec.id);
                }
            }
        }
        assert_eq!(past("blocking user x"), "blocked user x");
        assert_eq!(infinitive("unblocking user x"), "unblock user x");
    }
}
