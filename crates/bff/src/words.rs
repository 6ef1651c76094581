//! Plain-English sentences for denials and the audit log, built from the
//! operation table's gerund phrases ("deleting user auth0|123").

/// Verb forms of the gerunds the operation table, the model's derived
/// phrases ([`gatehouse_model::describe`]) and the audit narration
/// ([`crate::narrate`]) use: (gerund, base, past), kept once in the model.
///
/// Unit tests check that every row of the table, every catalog operation's
/// phrase and every phrase the narration makes starts with one of these, so
/// a new verb cannot go unnoticed.
use gatehouse_model::describe::VERBS;

fn split(phrase: &str) -> (&str, &str) {
    phrase.split_once(' ').unwrap_or((phrase, ""))
}

fn forms(gerund: &str) -> Option<(&'static str, &'static str)> {
    VERBS.iter().find(|(g, _, _)| *g == gerund).map(|(_, b, p)| (*b, *p))
}

fn join(verb: &str, rest: &str) -> String {
    if rest.is_empty() { verb.to_owned() } else { format!("{verb} {rest}") }
}

/// "deleting user x" → "delete user x" (unknown verbs: "go ahead with deleting user x").
pub fn infinitive(phrase: &str) -> String {
    let (gerund, rest) = split(phrase);
    match forms(gerund) {
        Some((base, _)) => join(base, rest),
        None => format!("go ahead with {phrase}"),
    }
}

/// "creating a user" → "created a user" (unknown verbs: "went ahead with creating a user").
pub fn past(phrase: &str) -> String {
    let (gerund, rest) = split(phrase);
    match forms(gerund) {
        Some((_, past)) => join(past, rest),
        None => format!("went ahead with {phrase}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatehouse_model::OPERATIONS;

    #[test]
    fn every_operation_verb_is_known() {
        for spec in OPERATIONS {
            let (gerund, _) = split(spec.describe);
            assert!(forms(gerund).is_some(), "{:?}: add `{gerund}` to VERBS", spec.id);
        }
    }

    #[test]
    fn every_catalog_phrase_conjugates() {
        for op in gatehouse_model::catalog::CATALOG {
            let params: Vec<String> = op.path_params().map(|n| format!("{n}-1")).collect();
            let p = gatehouse_model::describe::phrase(op, &params);
            assert!(!past(&p).starts_with("went ahead"), "{}: {p}", op.name);
            assert!(!infinitive(&p).starts_with("go ahead"), "{}: {p}", op.name);
        }
    }

    #[test]
    fn forms_read_well() {
        assert_eq!(infinitive("deleting user auth0|123"), "delete user auth0|123");
        assert_eq!(past("creating a user"), "created a user");
        assert_eq!(past("reading user x"), "read user x");
        assert_eq!(infinitive("frobbing x"), "go ahead with frobbing x");
    }
}
