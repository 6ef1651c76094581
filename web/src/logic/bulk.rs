//! Bulk actions on selected users: what each will change, before it runs.

use super::guard::{Guard, words};

/// An action applied to every selected user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkAction {
    /// Block sign-ins.
    Block,
    /// Allow sign-ins again.
    Unblock,
    /// Delete the user.
    Delete,
    /// Assign a role: `(role id, role name)`.
    AssignRole(String, String),
}

impl BulkAction {
    /// A short verb phrase: `Block`, `Assign role Admin`.
    pub fn label(&self) -> String {
        match self {
            Self::Block => "Block".into(),
            Self::Unblock => "Unblock".into(),
            Self::Delete => "Delete".into(),
            Self::AssignRole(_, name) => format!("Assign role “{name}”"),
        }
    }

    /// Whether it cannot be undone.
    pub fn is_destructive(&self) -> bool {
        matches!(self, Self::Delete)
    }
}

/// A selected user as the preview needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// User id.
    pub id: String,
    /// Email or name, for people.
    pub label: String,
    /// Whether the user is blocked now.
    pub blocked: bool,
}

/// What a bulk action will do.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Preview {
    /// Users it will change, with the change in words.
    pub changes: Vec<(Target, String)>,
    /// Users it leaves alone, with the reason.
    pub unchanged: Vec<(Target, String)>,
    /// What the server will refuse that the preview cannot tell apart
    /// (users who hold roles that grant more than the principal holds).
    pub note: Option<String>,
}

/// Works out what `action` will change for `targets`, as the principal
/// `guard` describes: its own user is left out of blocks, deletes and role changes.
pub fn preview(action: &BulkAction, targets: &[Target], guard: &Guard) -> Preview {
    let mut p = Preview::default();
    for t in targets {
        let own = guard.is_self(&t.id);
        let (change, reason) = match action {
            BulkAction::Block if own => (None, "that is you: you can't block yourself"),
            BulkAction::Delete if own => (None, "that is you: you can't delete yourself"),
            BulkAction::AssignRole(..) if own => (None, "that is you: you can't change your own roles"),
            BulkAction::Block if t.blocked => (None, "already blocked"),
            BulkAction::Block => (Some("will be blocked".to_owned()), ""),
            BulkAction::Unblock if !t.blocked => (None, "not blocked"),
            BulkAction::Unblock => (Some("will be unblocked".to_owned()), ""),
            BulkAction::Delete => (Some("will be deleted permanently".to_owned()), ""),
            BulkAction::AssignRole(_, name) => (Some(format!("will get role “{name}” (if not already assigned)")), ""),
        };
        match change {
            Some(c) => p.changes.push((t.clone(), c)),
            None => p.unchanged.push((t.clone(), reason.to_owned())),
        }
    }
    let above = guard.unassignable();
    if !p.changes.is_empty() && !above.is_empty() {
        let role = if above.len() == 1 { "role" } else { "roles" };
        p.note = Some(format!(
            "Users who hold the {role} {} grant more than you hold; the server refuses to change them, and they are listed as failed.",
            words(&above)
        ));
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::guard::PolicyRole;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn t(id: &str, blocked: bool) -> Target {
        Target { id: id.into(), label: format!("{id}@x.test"), blocked }
    }

    fn ids(list: &[(Target, String)]) -> Vec<&str> {
        list.iter().map(|(t, _)| t.id.as_str()).collect()
    }

    /// A principal whose own user id is `me`, under a policy with a role it may not give.
    fn me(me: &str) -> Guard {
        let admin = PolicyRole { name: "gatehouse-admin".into(), ..PolicyRole::default() };
        Guard::new(Some(me.into()), vec![admin])
    }

    #[test]
    fn block_skips_blocked_users() {
        let g = Guard::default();
        let p = preview(&BulkAction::Block, &[t("a", false), t("b", true), t("c", false)], &g);
        assert_eq!(ids(&p.changes), ["a", "c"]);
        assert_eq!(p.unchanged[0].1, "already blocked");
        let p = preview(&BulkAction::Unblock, &[t("a", false), t("b", true)], &g);
        assert_eq!(p.changes.len(), 1);
        assert_eq!(p.note, None);
    }

    #[test]
    fn delete_and_assign_change_everyone() {
        let targets = [t("a", false), t("b", true)];
        let g = Guard::default();
        assert_eq!(preview(&BulkAction::Delete, &targets, &g).changes.len(), 2);
        let assign = BulkAction::AssignRole("rol_1".into(), "Admin".into());
        assert_eq!(preview(&assign, &targets, &g).changes.len(), 2);
        assert!(BulkAction::Delete.is_destructive() && !assign.is_destructive());
        assert_eq!(assign.label(), "Assign role “Admin”");
    }

    #[test]
    fn the_principal_leaves_itself_out() {
        let g = me("b");
        let targets = [t("a", false), t("b", false)];
        for (action, why) in [
            (BulkAction::Block, "that is you: you can't block yourself"),
            (BulkAction::Delete, "that is you: you can't delete yourself"),
            (BulkAction::AssignRole("rol_1".into(), "billing".into()), "that is you: you can't change your own roles"),
        ] {
            let p = preview(&action, &targets, &g);
            assert_eq!(ids(&p.changes), ["a"], "{action:?}");
            assert_eq!(ids(&p.unchanged), ["b"]);
            assert_eq!(p.unchanged[0].1, why);
            assert_eq!(
                p.note.as_deref(),
                Some(
                    "Users who hold the role gatehouse-admin grant more than you hold; the server refuses to change them, and they are listed as failed."
                )
            );
        }
        let p = preview(&BulkAction::Delete, &[t("b", false)], &g);
        assert!(p.changes.is_empty() && p.note.is_none(), "nothing to run, nothing to warn about");
    }
}
