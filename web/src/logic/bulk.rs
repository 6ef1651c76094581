//! Bulk actions on selected users: what each will change, before it runs.

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
}

/// Works out what `action` will change for `targets`.
pub fn preview(action: &BulkAction, targets: &[Target]) -> Preview {
    let mut p = Preview::default();
    for t in targets {
        let (change, reason) = match action {
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
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn t(id: &str, blocked: bool) -> Target {
        Target { id: id.into(), label: format!("{id}@x.test"), blocked }
    }

    #[test]
    fn block_skips_blocked_users() {
        let p = preview(&BulkAction::Block, &[t("a", false), t("b", true), t("c", false)]);
        assert_eq!(p.changes.iter().map(|(t, _)| t.id.as_str()).collect::<Vec<_>>(), ["a", "c"]);
        assert_eq!(p.unchanged[0].1, "already blocked");
        let p = preview(&BulkAction::Unblock, &[t("a", false), t("b", true)]);
        assert_eq!(p.changes.len(), 1);
    }

    #[test]
    fn delete_and_assign_change_everyone() {
        let targets = [t("a", false), t("b", true)];
        assert_eq!(preview(&BulkAction::Delete, &targets).changes.len(), 2);
        let assign = BulkAction::AssignRole("rol_1".into(), "Admin".into());
        assert_eq!(preview(&assign, &targets).changes.len(), 2);
        assert!(BulkAction::Delete.is_destructive() && !assign.is_destructive());
        assert_eq!(assign.label(), "Assign role “Admin”");
    }
}
