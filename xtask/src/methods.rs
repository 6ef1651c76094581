//! The npm package's method list: `METHODS` in `gatehouse_js_api.js`, one string that
//! `cargo xtask codegen` writes ([`write`]) and `cargo xtask pkg` cuts into the entry
//! points' lists ([`groups`]); the wrapper (`crates/js/npm/client.js`) reads it back.
//!
//! The format, a tree of the dotted names:
//!
//! - the top-level groups one after another, a group being `name(children)`;
//! - a leaf (a method) is the last part of its name, then one character, its code:
//!   `'0'` + 4 × its number of path parameters (at most 3, the most an operation has) +
//!   its flags (1: takes a body, 2: answers a list, with iterators, 3: both), one of
//!   the 16 characters `0`–`9` `:` `;` `<` `=` `>` `?` (`0`–`3` without path parameters,
//!   `4`–`7` with one, `8` `9` `:` `;` with two, `<`–`?` with three);
//! - a leaf is followed by `,` unless its group closes after it (`)`); a group is followed
//!   by nothing (the next name, or the `)` of its parent).
//!
//! `actions(create1,delete4,executions(get4)get4,list2)anomaly(blocks(checkIp4))` is
//! `actions.create` (a body), `actions.delete` (one path parameter), …, `actions.list`
//! (a list), `anomaly.blocks.checkIp`. Names are sorted, so each group's names are next to
//! each other and the leaves, walked depth first, come in the order of the names: the wasm
//! knows an operation by that position (its row in the model's `WIRES`).

use anyhow::{Result, bail};
use std::collections::BTreeSet;

/// One method of the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Method {
    /// Its dotted name (`users.roles.assign`).
    pub name: String,
    /// How many path parameters it takes.
    pub params: usize,
    /// Whether it takes a body.
    pub body: bool,
    /// Whether it answers a list (and so has iterators).
    pub list: bool,
}

/// The most path parameters a method of the list may take (its code is at most `?`).
const MAX_PARAMS: u8 = 3;

/// The code character of a leaf (see the [module](self)).
fn code(m: &Method) -> Result<char> {
    let flags = u8::from(m.body) | (u8::from(m.list) << 1);
    match u8::try_from(m.params) {
        Ok(params) if params <= MAX_PARAMS => Ok(char::from(b'0' + ((params << 2) | flags))),
        _ => bail!(
            "{}: {} path parameters, more than the method list's codes hold (xtask/src/methods.rs)",
            m.name,
            m.params
        ),
    }
}

/// The method list of `methods`, which must be sorted by name, each in a group (the
/// package's entry points are per group), no name also a group's. Checks that the leaves
/// read back ([`leaves`]) are `methods`, in their order.
pub fn write(methods: &[Method]) -> Result<String> {
    let mut groups = BTreeSet::new();
    for pair in methods.windows(2) {
        if pair[0].name >= pair[1].name {
            bail!("the method list is not sorted: {} before {}", pair[0].name, pair[1].name);
        }
    }
    for m in methods {
        let parts: Vec<&str> = m.name.split('.').collect();
        if parts.len() < 2 {
            bail!("{}: a method outside any group (the entry points are per group)", m.name);
        }
        if parts.iter().any(|p| p.is_empty() || p.contains(['(', ')', ','])) {
            bail!("{}: a name the method list cannot hold", m.name);
        }
        for end in 1..parts.len() {
            groups.insert(parts[..end].join("."));
        }
    }
    if let Some(m) = methods.iter().find(|m| groups.contains(&m.name)) {
        bail!("{} is both a method and a group of methods", m.name);
    }
    let mut out = String::new();
    let mut open: Vec<&str> = Vec::new();
    // Whether the last thing written is a leaf (which `,` ends unless its group closes).
    let mut after_leaf = false;
    for m in methods {
        let parts: Vec<&str> = m.name.split('.').collect();
        let (leaf, path) = parts.split_last().unwrap_or((&"", &[]));
        let shared = open.iter().zip(path).take_while(|(a, b)| a == b).count();
        while open.len() > shared {
            open.pop();
            out.push(')');
            after_leaf = false;
        }
        for part in &path[shared..] {
            if after_leaf {
                out.push(',');
            }
            out.push_str(part);
            out.push('(');
            open.push(part);
            after_leaf = false;
        }
        if after_leaf {
            out.push(',');
        }
        out.push_str(leaf);
        out.push(code(m)?);
        after_leaf = true;
    }
    out.extend(open.iter().map(|_| ')'));
    if leaves(&out)? != methods {
        bail!("the method list does not read back as the methods it was written from");
    }
    Ok(out)
}

/// The methods of a method list, depth first (the wasm's order).
pub fn leaves(tree: &str) -> Result<Vec<Method>> {
    let mut out = Vec::new();
    let mut path: Vec<&str> = Vec::new();
    let mut start = 0;
    for (at, c) in tree.char_indices() {
        if !matches!(c, '(' | ',' | ')') {
            continue;
        }
        let word = &tree[start..at];
        start = at + 1;
        if c == '(' {
            path.push(word);
            continue;
        }
        if let Some(code) = word.chars().last() {
            let code = u32::from(code).wrapping_sub(u32::from('0'));
            if path.is_empty() || code >= u32::from(MAX_PARAMS + 1) << 2 {
                bail!("the method list has a leaf `{word}` it cannot read");
            }
            let name = [path.join("."), word[..word.len() - 1].to_owned()].join(".");
            out.push(Method { name, params: (code >> 2) as usize, body: code & 1 != 0, list: code & 2 != 0 });
        }
        if c == ')' && path.pop().is_none() {
            bail!("the method list closes a group it did not open");
        }
    }
    if !path.is_empty() || start != tree.len() {
        bail!("the method list ends inside a group");
    }
    Ok(out)
}

/// A top-level group of a method list.
#[derive(Debug, PartialEq, Eq)]
pub struct Group<'a> {
    /// Its name (`users`).
    pub name: &'a str,
    /// Its text in the list, a method list of its own (`users(get3,…)`).
    pub text: &'a str,
    /// How many methods come before it in the whole list (the position of its first).
    pub first: usize,
    /// How many methods it has.
    pub len: usize,
}

/// The top-level groups of a method list, in order.
pub fn groups(tree: &str) -> Result<Vec<Group<'_>>> {
    let mut out = Vec::new();
    let mut first = 0;
    let mut rest = tree;
    while !rest.is_empty() {
        let Some(open) = rest.find('(') else { bail!("the method list has a method outside any group") };
        let mut depth = 0usize;
        let mut end = None;
        for (at, c) in rest.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    let Some(less) = depth.checked_sub(1) else {
                        bail!("the method list closes a group it did not open")
                    };
                    depth = less;
                    if depth == 0 {
                        end = Some(at + 1);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else { bail!("the method list ends inside a group") };
        let text = &rest[..end];
        let len = leaves(text)?.len();
        out.push(Group { name: &rest[..open], text, first, len });
        first += len;
        rest = &rest[end..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(name: &str, params: usize, body: bool, list: bool) -> Method {
        Method { name: name.to_owned(), params, body, list }
    }

    #[test]
    fn a_list_reads_back_as_its_methods() {
        let methods = vec![
            m("actions.create", 0, true, false),
            m("actions.executions.get", 1, false, false),
            m("actions.get", 1, false, false),
            m("actions.list", 0, false, true),
            m("actions.versions.deploy", 2, true, false),
            m("actions.versions.list", 1, false, true),
            m("actions.versions.search", 3, true, true),
            m("anomaly.blocks.checkIp", 1, false, false),
            m("guardian.factors.setFcmv1Provider", 3, true, false),
        ];
        let tree = write(&methods).unwrap();
        assert_eq!(
            tree,
            "actions(create1,executions(get4)get4,list2,versions(deploy9,list6,search?))\
             anomaly(blocks(checkIp4))guardian(factors(setFcmv1Provider=))"
        );
        assert_eq!(leaves(&tree).unwrap(), methods);
        let groups = groups(&tree).unwrap();
        let names: Vec<(&str, usize, usize)> = groups.iter().map(|g| (g.name, g.first, g.len)).collect();
        assert_eq!(names, [("actions", 0, 7), ("anomaly", 7, 1), ("guardian", 8, 1)]);
        assert_eq!(groups[1].text, "anomaly(blocks(checkIp4))");
        assert_eq!(leaves(groups[1].text).unwrap(), methods[7..8]);
    }

    #[test]
    fn what_the_list_cannot_hold_is_refused() {
        let refused = |methods: &[Method]| write(methods).unwrap_err().to_string();
        let both = refused(&[m("a.b", 0, false, false), m("a.b.c", 0, false, false)]);
        assert!(both.contains("both a method and a group"), "{both}");
        let unsorted = refused(&[m("a.c", 0, false, false), m("a.b", 0, false, false)]);
        assert!(unsorted.contains("not sorted"), "{unsorted}");
        assert!(refused(&[m("a.b", 0, false, false), m("a.b", 0, false, false)]).contains("not sorted"));
        assert!(refused(&[m("top", 0, false, false)]).contains("outside any group"));
        assert!(refused(&[m("a.b", 4, false, false)]).contains("more than"));
        assert!(refused(&[m("a.b", 99, false, false)]).contains("more than"));
        assert!(refused(&[m("a.b(", 0, false, false)]).contains("cannot hold"));
    }

    #[test]
    fn broken_lists_are_refused() {
        for broken in ["a(b0", "a(b0))", "b0,", "a(b)", "a(b@)", "a(b0)c", ")a(b0)", "a(b0,"] {
            assert!(leaves(broken).is_err() || groups(broken).is_err(), "{broken}");
        }
    }
}
