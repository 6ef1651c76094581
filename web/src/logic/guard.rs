//! What the signed-in principal may do to users and with roles, beyond its
//! access levels: the BFF refuses every escalation, and the console mirrors
//! its rules so that it never offers what will be refused.
//!
//! - A role the access policy names (a *policy role*) may be given or taken
//!   only by a principal that holds everything the role grants
//!   ([`PolicyRole::assignable`], worked out by the BFF for `/auth/me`).
//! - A user who holds a policy role the principal could not assign is
//!   *protected*: it may be viewed, not changed (no block, delete, edits or
//!   role changes).
//! - Nobody changes its own roles, blocks or deletes itself.
//!
//! Roles the policy does not name are ordinary and stay assignable.

/// A role the access policy names, as `/auth/me` describes it to the caller
/// (the model's `policy::PolicyRole`, which the BFF sends), without its
/// `grants`: the console never reads them, and decoding them would link the
/// whole operation catalog, which policy targets are checked against, into
/// the console's main module (web/BENCHMARKS.md). Read leniently: a missing
/// field reads as not assignable.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRole {
    /// The role's name in the tenant.
    pub name: String,
    /// Whether the caller may give it, take it, or act on those who hold it.
    #[serde(default)]
    pub assignable: bool,
    /// What the caller lacks for that, such as `applications:full`.
    #[serde(default)]
    pub missing: Vec<String>,
}

/// Why a user may be viewed but not changed by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protection {
    /// The policy roles the user holds that grant more than the caller holds.
    pub roles: Vec<String>,
    /// What those roles grant that the caller lacks (no repeats).
    pub missing: Vec<String>,
}

impl Protection {
    /// One line saying why, naming the user as `who`: `admin@demo.test holds
    /// gatehouse-admin, which grants more than you hold: you can view this user
    /// but not change it.`
    pub fn explain(&self, who: &str) -> String {
        let grants = if self.roles.len() == 1 { "grants" } else { "grant" };
        format!(
            "{who} holds {}, which {grants} more than you hold: you can view this user but not change it.",
            words(&self.roles)
        )
    }
}

/// Where the caller stands towards one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// The user's roles are not known yet.
    Checking,
    /// The user is the caller: no role changes, no block or delete.
    Yourself,
    /// The user holds roles the caller could not assign: view only.
    Protected(Protection),
    /// Nothing beyond the access levels applies.
    Open,
}

impl Standing {
    /// Whether the user may be blocked, deleted or otherwise changed
    /// (profile, metadata) as far as escalation goes. Own profile and metadata
    /// stay editable; [`Standing::may_block_or_delete`] and
    /// [`Standing::may_change_roles`] say the rest.
    pub fn may_edit(&self) -> bool {
        matches!(self, Self::Yourself | Self::Open)
    }

    /// Whether the user may be blocked, unblocked or deleted.
    pub fn may_block_or_delete(&self) -> bool {
        matches!(self, Self::Open)
    }

    /// Whether roles may be given to or taken from the user.
    pub fn may_change_roles(&self) -> bool {
        matches!(self, Self::Open)
    }
}

/// The caller's identity and the policy roles, from `/auth/me`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Guard {
    subject: Option<String>,
    roles: Vec<PolicyRole>,
}

impl Guard {
    /// From the caller's Auth0 user id (none for an API key) and the policy roles.
    pub fn new(subject: Option<String>, roles: Vec<PolicyRole>) -> Self {
        Self { subject: subject.filter(|s| !s.is_empty()), roles }
    }

    /// Whether `user_id` is the caller itself.
    pub fn is_self(&self, user_id: &str) -> bool {
        self.subject.as_deref().is_some_and(|s| s == user_id)
    }

    /// The caller's own user id, if it is a user.
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }

    /// The policy role of this name, if the policy names it.
    pub fn policy_role(&self, name: &str) -> Option<&PolicyRole> {
        self.roles.iter().find(|r| r.name == name)
    }

    /// Whether the caller may give or take the role of this name: ordinary
    /// roles yes, policy roles when it holds all they grant.
    pub fn can_assign(&self, role_name: &str) -> bool {
        self.policy_role(role_name).is_none_or(|r| r.assignable)
    }

    /// The `(id, name)` role choices the caller may give or take, in order.
    pub fn assignable(&self, choices: Vec<(String, String)>) -> Vec<(String, String)> {
        choices.into_iter().filter(|(_, name)| self.can_assign(name)).collect()
    }

    /// The names of all the policy roles the caller may not give or take.
    pub fn unassignable(&self) -> Vec<String> {
        self.withheld(self.roles.iter().map(|r| r.name.as_str()))
    }

    /// The names of the policy roles among `names` that the caller may not give or take.
    pub fn withheld<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for name in names {
            if !self.can_assign(name) && !out.iter().any(|n| n == name) {
                out.push(name.to_owned());
            }
        }
        out
    }

    /// Whether a user holding the roles named `held` is protected from the caller, and why.
    pub fn protection<'a>(&self, held: impl IntoIterator<Item = &'a str>) -> Option<Protection> {
        let roles = self.withheld(held);
        if roles.is_empty() {
            return None;
        }
        let mut missing: Vec<String> = Vec::new();
        for m in roles.iter().filter_map(|n| self.policy_role(n)).flat_map(|r| &r.missing) {
            if !missing.contains(m) {
                missing.push(m.clone());
            }
        }
        Some(Protection { roles, missing })
    }

    /// Where the caller stands towards the user `user_id`, who holds the roles
    /// named `held` (`None` while they load).
    pub fn standing<'a>(&self, user_id: &str, held: Option<impl IntoIterator<Item = &'a str>>) -> Standing {
        if self.is_self(user_id) {
            return Standing::Yourself;
        }
        match held {
            None => Standing::Checking,
            Some(names) => self.protection(names).map_or(Standing::Open, Standing::Protected),
        }
    }
}

/// `a`, `a and b`, `a, b and c`.
pub fn words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// What `/auth/me` says to `support@demo.test` under the demo policy.
    fn support() -> Guard {
        let roles: Vec<PolicyRole> = serde_json::from_str(
            r#"[
                {"name": "gatehouse-admin", "grants": {"users": "full", "roles": "full", "applications": "full"},
                 "assignable": false, "missing": ["applications:full", "roles:full"]},
                {"name": "gatehouse-viewer", "grants": {"users": "read", "roles": "read"},
                 "assignable": false, "missing": ["roles:read"]},
                {"name": "gatehouse-support", "grants": {"users": "full"}, "assignable": true, "missing": []}
            ]"#,
        )
        .unwrap();
        Guard::new(Some("auth0|support".into()), roles)
    }

    fn choices(names: &[&str]) -> Vec<(String, String)> {
        names.iter().map(|n| (format!("rol_{n}"), (*n).to_owned())).collect()
    }

    #[test]
    fn policy_roles_decode_leniently() {
        let r: PolicyRole = serde_json::from_str(r#"{"name": "ops", "extra": 1}"#).unwrap();
        assert_eq!(r, PolicyRole { name: "ops".into(), ..PolicyRole::default() });
        assert!(!r.assignable, "a role whose answer is incomplete is not offered");
        let g = support();
        let admin = g.policy_role("gatehouse-admin").unwrap();
        assert_eq!((admin.assignable, admin.missing.len()), (false, 2), "the grants are skipped, the rest is read");
        // What the BFF sends, the model's type, reads as this one.
        let sent = gatehouse_model::policy::PolicyRole { name: "ops".into(), assignable: true, ..Default::default() };
        let read: PolicyRole = serde_json::from_value(serde_json::to_value(&sent).unwrap()).unwrap();
        assert_eq!(read, PolicyRole { name: "ops".into(), assignable: true, missing: vec![] });
    }

    #[test]
    fn only_assignable_policy_roles_and_ordinary_roles_are_offered() {
        let g = support();
        assert!(!g.can_assign("gatehouse-admin"));
        assert!(g.can_assign("gatehouse-support"));
        assert!(g.can_assign("billing"), "roles the policy does not name are ordinary");
        assert!(g.can_assign("Gatehouse-Admin"), "names match exactly, as the policy's do");
        let offered = g.assignable(choices(&["billing", "gatehouse-admin", "gatehouse-support", "gatehouse-viewer"]));
        assert_eq!(offered, choices(&["billing", "gatehouse-support"]));
        assert_eq!(g.withheld(["gatehouse-admin", "billing", "gatehouse-admin"]), ["gatehouse-admin"]);
        assert_eq!(g.unassignable(), ["gatehouse-admin", "gatehouse-viewer"]);
    }

    #[test]
    fn an_older_bff_restricts_nothing() {
        let g = Guard::default();
        assert!(g.can_assign("gatehouse-admin"));
        assert!(!g.is_self("auth0|1") && !g.is_self(""));
        assert_eq!(g.standing("auth0|1", Some(["gatehouse-admin"])), Standing::Open);
        assert_eq!(Guard::new(Some(String::new()), Vec::new()).subject(), None);
    }

    #[test]
    fn users_holding_more_than_the_caller_are_protected() {
        let g = support();
        let p = g.protection(["billing", "gatehouse-admin"]).unwrap();
        assert_eq!(p.roles, ["gatehouse-admin"]);
        assert_eq!(p.missing, ["applications:full", "roles:full"]);
        assert_eq!(
            p.explain("admin@demo.test"),
            "admin@demo.test holds gatehouse-admin, which grants more than you hold: you can view this user but not change it."
        );
        let p = g.protection(["gatehouse-viewer", "gatehouse-admin"]).unwrap();
        assert_eq!(p.missing, ["roles:read", "applications:full", "roles:full"]);
        assert!(p.explain("x").starts_with("x holds gatehouse-viewer and gatehouse-admin, which grant more"));
        assert_eq!(g.protection(["gatehouse-support", "billing"]), None);
        assert_eq!(g.protection([]), None);
    }

    #[test]
    fn standing_puts_yourself_first_then_protection() {
        let g = support();
        assert!(g.is_self("auth0|support") && !g.is_self("auth0|other"));
        let none: Option<[&str; 0]> = None;
        assert_eq!(g.standing("auth0|support", none), Standing::Yourself);
        assert_eq!(g.standing("auth0|other", none), Standing::Checking);
        assert_eq!(g.standing("auth0|other", Some(["gatehouse-support"])), Standing::Open);
        let admin = g.standing("auth0|admin", Some(["gatehouse-admin"]));
        assert!(matches!(&admin, Standing::Protected(p) if p.roles == ["gatehouse-admin"]));

        let yourself = Standing::Yourself;
        assert!(yourself.may_edit() && !yourself.may_block_or_delete() && !yourself.may_change_roles());
        assert!(!admin.may_edit() && !admin.may_block_or_delete() && !admin.may_change_roles());
        assert!(!Standing::Checking.may_edit() && !Standing::Checking.may_block_or_delete());
        assert!(Standing::Open.may_edit() && Standing::Open.may_block_or_delete() && Standing::Open.may_change_roles());
    }

    #[test]
    fn lists_read_as_words() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert_eq!(words(&s(&[])), "");
        assert_eq!(words(&s(&["a"])), "a");
        assert_eq!(words(&s(&["a", "b"])), "a and b");
        assert_eq!(words(&s(&["a", "b", "c"])), "a, b and c");
    }
}
