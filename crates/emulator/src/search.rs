//! The Lucene query subset Auth0's user and log search understands.
//!
//! Supported: `field:value`, bare terms (searched in a list of default
//! fields), quoted phrases, `*` and `?` wildcards, `AND` / `OR` / `NOT`
//! (also `&&`, `||`, `!`, and `+` / `-` prefixes), parentheses, grouped
//! values (`field:(a OR b)`), inclusive and exclusive ranges
//! (`[a TO b]`, `{a TO b}`, `*` for an open end) on numbers and ISO dates,
//! `_exists_:field`, and `*` / `*:*` for everything. Adjacent clauses
//! without an operator are joined with `AND`.
//!
//! The parser is a hand-written recursive descent over characters; every
//! failure is a [`SearchError`] with a position, never a panic, and nesting
//! is bounded so hostile input cannot exhaust the stack.

use serde_json::Value;
use std::cmp::Ordering;
use std::fmt;

/// Deepest nesting of parentheses and `NOT`s accepted.
const MAX_DEPTH: usize = 32;
/// Longest query accepted, in characters.
pub const MAX_LEN: usize = 4096;

/// A query that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchError {
    /// What was wrong.
    pub message: String,
    /// Character offset where it was noticed.
    pub position: usize,
}

impl fmt::Display for SearchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.position)
    }
}

impl std::error::Error for SearchError {}

/// How a single value is matched.
#[derive(Debug, Clone, PartialEq)]
pub enum Matcher {
    /// A single term: equal to the whole value or to one of its words, ignoring case.
    Term(String),
    /// A quoted phrase: the value contains it, ignoring case.
    Phrase(String),
    /// A pattern with `*` / `?`: matches the whole value or one of its words, ignoring case.
    Wildcard(String),
}

/// One end of a range.
#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    /// `*`: no limit.
    Open,
    /// `[x` or `x]`.
    Inclusive(String),
    /// `{x` or `x}`.
    Exclusive(String),
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// Matches everything (`*`, `*:*`, or an empty query).
    All,
    /// Every part matches.
    And(Vec<Query>),
    /// Some part matches.
    Or(Vec<Query>),
    /// The part does not match.
    Not(Box<Query>),
    /// A value test on a field (`None`: the default fields).
    Match {
        /// Dotted field path.
        field: Option<String>,
        /// How values are tested.
        matcher: Matcher,
    },
    /// A range test.
    Range {
        /// Dotted field path (`None`: the default fields).
        field: Option<String>,
        /// Lower end.
        lower: Bound,
        /// Upper end.
        upper: Bound,
    },
    /// The field is present and not null.
    Exists(String),
}

/// Parses a query string.
pub fn parse(input: &str) -> Result<Query, SearchError> {
    let chars: Vec<char> = input.chars().collect();
    if chars.len() > MAX_LEN {
        return Err(SearchError { message: format!("query is longer than {MAX_LEN} characters"), position: MAX_LEN });
    }
    let mut p = Parser { chars, pos: 0, depth: 0 };
    p.skip_ws();
    if p.at_end() {
        return Ok(Query::All);
    }
    let q = p.parse_or(None)?;
    p.skip_ws();
    if !p.at_end() {
        return Err(p.error(format!("unexpected `{}`", p.chars[p.pos])));
    }
    Ok(q)
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
}

fn is_special(c: char) -> bool {
    matches!(c, '(' | ')' | '[' | ']' | '{' | '}' | '"' | '^' | '~')
}

impl Parser {
    fn error(&self, message: impl Into<String>) -> SearchError {
        SearchError { message: message.into(), position: self.pos }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn enter(&mut self) -> Result<(), SearchError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!("query nests deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    /// Whether the keyword `word` (or symbol) starts here as a whole token.
    fn at_keyword(&self, word: &str) -> bool {
        let w: Vec<char> = word.chars().collect();
        if self.chars.len() < self.pos + w.len() || self.chars[self.pos..self.pos + w.len()] != w[..] {
            return false;
        }
        match self.chars.get(self.pos + w.len()) {
            None => true,
            Some(c) if c.is_whitespace() => true,
            Some('(') => w[0].is_alphabetic() || w[0] == '!',
            Some('"') | Some('-') | Some('+') => w[0].is_alphabetic(),
            _ => false,
        }
    }

    fn at_or(&self) -> Option<usize> {
        if self.at_keyword("OR") || self.at_keyword("||") { Some(2) } else { None }
    }

    fn at_and(&self) -> Option<usize> {
        if self.at_keyword("AND") {
            Some(3)
        } else if self.at_keyword("&&") {
            Some(2)
        } else {
            None
        }
    }

    fn parse_or(&mut self, field: Option<&str>) -> Result<Query, SearchError> {
        let mut parts = vec![self.parse_and(field)?];
        loop {
            self.skip_ws();
            let Some(len) = self.at_or() else { break };
            self.pos += len;
            self.skip_ws();
            if self.at_end() || self.peek() == Some(')') {
                return Err(self.error("`OR` needs a clause after it"));
            }
            parts.push(self.parse_and(field)?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Query::Or(parts) })
    }

    fn parse_and(&mut self, field: Option<&str>) -> Result<Query, SearchError> {
        let mut parts = vec![self.parse_unary(field)?];
        loop {
            self.skip_ws();
            if self.at_end() || self.peek() == Some(')') || self.at_or().is_some() {
                break;
            }
            if let Some(len) = self.at_and() {
                self.pos += len;
                self.skip_ws();
                if self.at_end() || self.peek() == Some(')') {
                    return Err(self.error("`AND` needs a clause after it"));
                }
            }
            parts.push(self.parse_unary(field)?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Query::And(parts) })
    }

    fn parse_unary(&mut self, field: Option<&str>) -> Result<Query, SearchError> {
        self.skip_ws();
        let negate = if self.at_keyword("NOT") {
            Some(3)
        } else if self.peek() == Some('!') && self.at_keyword("!") {
            Some(1)
        } else if self.peek() == Some('!') || self.peek() == Some('-') {
            // `-term` / `!term`: the operator binds to what follows directly.
            match self.chars.get(self.pos + 1) {
                Some(c) if !c.is_whitespace() => Some(1),
                _ => return Err(self.error("`-` / `!` must be followed directly by a clause")),
            }
        } else {
            None
        };
        if let Some(len) = negate {
            self.pos += len;
            self.enter()?;
            self.skip_ws();
            if self.at_end() || self.peek() == Some(')') {
                return Err(self.error("`NOT` needs a clause after it"));
            }
            let inner = self.parse_unary(field)?;
            self.depth -= 1;
            return Ok(Query::Not(Box::new(inner)));
        }
        if self.peek() == Some('+') {
            self.pos += 1;
            if self.peek().is_none_or(char::is_whitespace) {
                return Err(self.error("`+` must be followed directly by a clause"));
            }
        }
        self.parse_primary(field)
    }

    fn parse_primary(&mut self, field: Option<&str>) -> Result<Query, SearchError> {
        match self.peek() {
            None => Err(self.error("unexpected end of query")),
            Some('(') => {
                self.pos += 1;
                self.enter()?;
                self.skip_ws();
                if self.peek() == Some(')') {
                    return Err(self.error("empty parentheses"));
                }
                let q = self.parse_or(field)?;
                self.skip_ws();
                if self.peek() != Some(')') {
                    return Err(self.error("missing `)`"));
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(q)
            }
            Some(')') => Err(self.error("unexpected `)`")),
            Some('"') => {
                let phrase = self.read_phrase()?;
                Ok(Query::Match { field: field.map(str::to_owned), matcher: Matcher::Phrase(phrase.to_lowercase()) })
            }
            Some('[') | Some('{') => self.read_range(field),
            Some(c) if is_special(c) || c == ']' || c == '}' => Err(self.error(format!("unexpected `{c}`"))),
            Some(_) => {
                if self.at_and().is_some() || self.at_or().is_some() {
                    return Err(self.error("an operator needs a clause before it"));
                }
                let start = self.pos;
                let (word, wild) = self.read_word(true)?;
                if self.peek() == Some(':') && field.is_none() {
                    if wild && word != "*" {
                        return Err(SearchError {
                            message: "a field name cannot hold wildcards".into(),
                            position: start,
                        });
                    }
                    self.pos += 1;
                    return self.parse_field_value(word);
                }
                if self.peek() == Some(':') {
                    return Err(self.error("a field inside a grouped value"));
                }
                Ok(term(field, word, wild))
            }
        }
    }

    fn parse_field_value(&mut self, name: String) -> Result<Query, SearchError> {
        if name.is_empty() {
            return Err(self.error("empty field name"));
        }
        match self.peek() {
            None => Err(self.error(format!("field `{name}` has no value"))),
            Some(c) if c.is_whitespace() => Err(self.error(format!("field `{name}` has no value"))),
            Some('(') => {
                if name == "_exists_" {
                    return Err(self.error("`_exists_` takes a field name"));
                }
                self.pos += 1;
                self.enter()?;
                self.skip_ws();
                let q = self.parse_or(Some(&name))?;
                self.skip_ws();
                if self.peek() != Some(')') {
                    return Err(self.error("missing `)`"));
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(q)
            }
            Some('"') => {
                let phrase = self.read_phrase()?;
                if name == "_exists_" {
                    return Ok(Query::Exists(phrase));
                }
                Ok(Query::Match { field: field_name(name), matcher: Matcher::Phrase(phrase.to_lowercase()) })
            }
            Some('[') | Some('{') => {
                if name == "_exists_" {
                    return Err(self.error("`_exists_` takes a field name"));
                }
                self.read_range(Some(&name))
            }
            Some(_) => {
                let (word, wild) = self.read_word(false)?;
                if word.is_empty() {
                    return Err(self.error(format!("field `{name}` has no value")));
                }
                if name == "_exists_" {
                    return Ok(Query::Exists(word));
                }
                if name == "*" {
                    return if word == "*" { Ok(Query::All) } else { Ok(term(None, word, wild)) };
                }
                if word == "*" {
                    return Ok(Query::Exists(name));
                }
                Ok(term(Some(&name), word, wild))
            }
        }
    }

    /// Reads a bare word. Stops at whitespace and special characters, and at
    /// `:` when `stop_at_colon`. Backslash escapes the next character.
    fn read_word(&mut self, stop_at_colon: bool) -> Result<(String, bool), SearchError> {
        let mut out = String::new();
        let mut wild = false;
        while let Some(c) = self.peek() {
            if c.is_whitespace() || c == '(' || c == ')' || c == '"' || c == '[' || c == ']' || c == '{' || c == '}' {
                break;
            }
            if c == '^' || c == '~' {
                return Err(self.error(format!("`{c}` (boosting / fuzzy matching) is not supported")));
            }
            if c == ':' && stop_at_colon {
                break;
            }
            if c == '\\' {
                self.pos += 1;
                let Some(esc) = self.peek() else {
                    return Err(self.error("a `\\` at the end of the query escapes nothing"));
                };
                out.push(esc);
                self.pos += 1;
                continue;
            }
            if c == '*' || c == '?' {
                wild = true;
            }
            out.push(c);
            self.pos += 1;
        }
        if out.is_empty() {
            return Err(self.error("expected a term"));
        }
        Ok((out, wild))
    }

    fn read_phrase(&mut self) -> Result<String, SearchError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => {
                    return Err(SearchError { message: "unterminated quoted phrase".into(), position: start });
                }
                Some('"') => {
                    self.pos += 1;
                    break;
                }
                Some('\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(c) => {
                            out.push(c);
                            self.pos += 1;
                        }
                        None => {
                            return Err(SearchError { message: "unterminated quoted phrase".into(), position: start });
                        }
                    }
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
        if self.peek() == Some('~') || self.peek() == Some('^') {
            return Err(self.error("boosting / proximity on phrases is not supported"));
        }
        Ok(out)
    }

    fn read_bound(&mut self) -> Result<Option<String>, SearchError> {
        self.skip_ws();
        match self.peek() {
            Some('"') => Ok(Some(self.read_phrase()?)),
            Some(_) => {
                let mut out = String::new();
                while let Some(c) = self.peek() {
                    if c.is_whitespace() || c == ']' || c == '}' || c == '[' || c == '{' || c == '(' || c == ')' {
                        break;
                    }
                    if c == '\\' {
                        self.pos += 1;
                        if let Some(esc) = self.peek() {
                            out.push(esc);
                            self.pos += 1;
                        }
                        continue;
                    }
                    out.push(c);
                    self.pos += 1;
                }
                if out.is_empty() {
                    return Err(self.error("a range needs two ends"));
                }
                Ok(if out == "*" { None } else { Some(out) })
            }
            None => Err(self.error("unterminated range")),
        }
    }

    fn read_range(&mut self, field: Option<&str>) -> Result<Query, SearchError> {
        let inclusive_low = self.peek() == Some('[');
        self.pos += 1;
        let low = self.read_bound()?;
        self.skip_ws();
        if !self.at_keyword("TO") {
            return Err(self.error("a range is written `[low TO high]`"));
        }
        self.pos += 2;
        let high = self.read_bound()?;
        self.skip_ws();
        let inclusive_high = match self.peek() {
            Some(']') => true,
            Some('}') => false,
            _ => return Err(self.error("a range must end with `]` or `}`")),
        };
        self.pos += 1;
        let bound = |v: Option<String>, inclusive: bool| match v {
            None => Bound::Open,
            Some(v) if inclusive => Bound::Inclusive(v),
            Some(v) => Bound::Exclusive(v),
        };
        Ok(Query::Range {
            field: field.map(str::to_owned),
            lower: bound(low, inclusive_low),
            upper: bound(high, inclusive_high),
        })
    }
}

fn field_name(name: String) -> Option<String> {
    Some(name)
}

fn term(field: Option<&str>, word: String, wild: bool) -> Query {
    if field.is_none() && word == "*" {
        return Query::All;
    }
    let field = field.map(str::to_owned);
    let word = word.to_lowercase();
    let matcher = if wild { Matcher::Wildcard(word) } else { Matcher::Term(word) };
    Query::Match { field, matcher }
}

/// Values at a dotted path, stepping into arrays at every level.
pub fn resolve<'a>(doc: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut current = vec![doc];
    for seg in path.split('.') {
        let mut next = Vec::new();
        for v in current {
            match v {
                Value::Object(map) => {
                    if let Some(child) = map.get(seg) {
                        next.push(child);
                    }
                }
                Value::Array(items) => {
                    for item in items {
                        if let Some(child) = item.get(seg) {
                            next.push(child);
                        }
                    }
                }
                _ => {}
            }
        }
        current = next;
    }
    let mut flat = Vec::with_capacity(current.len());
    for v in current {
        match v {
            Value::Array(items) => flat.extend(items.iter()),
            other => flat.push(other),
        }
    }
    flat
}

/// Calls `f` on every value at a dotted path, stepping into arrays at
/// every level; stops at the first `true`. Allocates nothing.
pub fn any_at(doc: &Value, path: &str, f: &mut dyn FnMut(&Value) -> bool) -> bool {
    fn walk(v: &Value, mut segs: std::str::Split<'_, char>, f: &mut dyn FnMut(&Value) -> bool) -> bool {
        match segs.next() {
            None => match v {
                Value::Array(items) => items.iter().any(&mut *f),
                other => f(other),
            },
            Some(seg) => match v {
                Value::Object(m) => m.get(seg).is_some_and(|c| walk(c, segs, f)),
                Value::Array(items) => items.iter().any(|i| i.get(seg).is_some_and(|c| walk(c, segs.clone(), f))),
                _ => false,
            },
        }
    }
    walk(doc, path.split('.'), f)
}

/// `*` / `?` pattern matching, ignoring case; `pattern` is lower-case.
pub fn glob(pattern: &str, text: &str) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        glob_with(pattern.as_bytes(), text.as_bytes(), |p, t| p == t.to_ascii_lowercase())
    } else {
        let p: Vec<char> = pattern.chars().collect();
        let t: Vec<char> = text.to_lowercase().chars().collect();
        glob_with(&p, &t, |p, t| p == t)
    }
}

fn glob_with<T: Copy + PartialEq + From<u8>>(p: &[T], t: &[T], eq: impl Fn(T, T) -> bool) -> bool {
    let (star_sym, any_sym) = (T::from(b'*'), T::from(b'?'));
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == any_sym || (p[pi] != star_sym && eq(p[pi], t[ti]))) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == star_sym {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == star_sym {
        pi += 1;
    }
    pi == p.len()
}

fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| c.is_whitespace() || c == ',').filter(|w| !w.is_empty())
}

/// Equality ignoring case; `lower` is lower-case.
fn eq_ci(s: &str, lower: &str) -> bool {
    if s.is_ascii() { s.eq_ignore_ascii_case(lower) } else { s.to_lowercase() == lower }
}

/// Substring test ignoring case; `lower` is lower-case.
fn contains_ci(s: &str, lower: &str) -> bool {
    if s.is_ascii() && lower.is_ascii() {
        lower.is_empty() || s.as_bytes().windows(lower.len()).any(|w| w.eq_ignore_ascii_case(lower.as_bytes()))
    } else {
        s.to_lowercase().contains(lower)
    }
}

fn text_matches(s: &str, m: &Matcher) -> bool {
    match m {
        Matcher::Term(t) => eq_ci(s, t) || (s.contains(char::is_whitespace) && words(s).any(|w| eq_ci(w, t))),
        Matcher::Phrase(p) => contains_ci(s, p),
        Matcher::Wildcard(p) => glob(p, s) || (s.contains(char::is_whitespace) && words(s).any(|w| glob(p, w))),
    }
}

fn value_matches(v: &Value, m: &Matcher) -> bool {
    match (v, m) {
        (Value::String(s), _) => text_matches(s, m),
        (Value::Number(n), Matcher::Term(t)) => match (n.as_f64(), t.parse::<f64>()) {
            (Some(a), Ok(b)) => a == b,
            _ => false,
        },
        (Value::Number(n), _) => text_matches(&n.to_string(), m),
        (Value::Bool(b), _) => text_matches(if *b { "true" } else { "false" }, m),
        _ => false,
    }
}

fn compare_bound(v: &Value, bound: &str) -> Option<Ordering> {
    match v {
        Value::Number(n) => {
            let b: f64 = bound.parse().ok()?;
            n.as_f64()?.partial_cmp(&b)
        }
        Value::String(s) => match (s.parse::<f64>(), bound.parse::<f64>()) {
            (Ok(a), Ok(b)) if !s.contains('-') => a.partial_cmp(&b),
            _ => Some(s.as_str().cmp(bound)),
        },
        _ => None,
    }
}

fn in_range(v: &Value, lower: &Bound, upper: &Bound) -> bool {
    if v.is_null() || v.is_object() || v.is_array() {
        return false;
    }
    let low_ok = match lower {
        Bound::Open => true,
        Bound::Inclusive(b) => matches!(compare_bound(v, b), Some(Ordering::Greater | Ordering::Equal)),
        Bound::Exclusive(b) => matches!(compare_bound(v, b), Some(Ordering::Greater)),
    };
    let high_ok = match upper {
        Bound::Open => true,
        Bound::Inclusive(b) => {
            matches!(compare_bound(v, b), Some(Ordering::Less | Ordering::Equal))
        }
        Bound::Exclusive(b) => matches!(compare_bound(v, b), Some(Ordering::Less)),
    };
    low_ok && high_ok
}

impl Query {
    /// Whether `doc` matches; bare terms look in `defaults`.
    pub fn matches(&self, doc: &Value, defaults: &[&str]) -> bool {
        let any = |field: &Option<String>, f: &mut dyn FnMut(&Value) -> bool| match field {
            Some(path) => any_at(doc, path, f),
            None => defaults.iter().any(|path| any_at(doc, path, f)),
        };
        match self {
            Query::All => true,
            Query::And(parts) => parts.iter().all(|q| q.matches(doc, defaults)),
            Query::Or(parts) => parts.iter().any(|q| q.matches(doc, defaults)),
            Query::Not(inner) => !inner.matches(doc, defaults),
            Query::Match { field, matcher } => any(field, &mut |v| value_matches(v, matcher)),
            Query::Range { field, lower, upper } => any(field, &mut |v| in_range(v, lower, upper)),
            Query::Exists(field) => any_at(doc, field, &mut |v| !v.is_null()),
        }
    }
}

/// A `sort=field:1` / `field:-1` parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    /// Dotted field path.
    pub field: String,
    /// Ascending (`1`) or descending (`-1`).
    pub ascending: bool,
}

impl Sort {
    /// Parses `field:1` or `field:-1`.
    pub fn parse(s: &str) -> Option<Self> {
        let (field, dir) = s.rsplit_once(':')?;
        let valid = !field.is_empty() && field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        let ascending = match dir {
            "1" => true,
            "-1" => false,
            _ => return None,
        };
        valid.then(|| Self { field: field.to_owned(), ascending })
    }

    /// Orders two documents by the field; missing values sort last either way.
    pub fn compare(&self, a: &Value, b: &Value) -> Ordering {
        let key = |d: &Value| resolve(d, &self.field).into_iter().find(|v| !v.is_null()).cloned();
        match (key(a), key(b)) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) => {
                let ord = compare_values(&x, &y);
                if self.ascending { ord } else { ord.reverse() }
            }
        }
    }
}

/// A total order on JSON scalars: numbers numerically, strings by text
/// (ignoring case), booleans false first; mixed types by type.
pub fn compare_values(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Number(_) => 2,
            Value::String(_) => 3,
            Value::Array(_) => 4,
            Value::Object(_) => 5,
        }
    }
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x.as_f64().unwrap_or(0.0).partial_cmp(&y.as_f64().unwrap_or(0.0)).unwrap_or(Ordering::Equal)
        }
        (Value::String(x), Value::String(y)) => x.to_lowercase().cmp(&y.to_lowercase()).then_with(|| x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Value {
        json!({
            "user_id": "auth0|abc123",
            "email": "Jane.Doe@Example.com",
            "name": "Jane Doe",
            "nickname": "jane",
            "logins_count": 12,
            "blocked": false,
            "email_verified": true,
            "created_at": "2024-03-05T10:00:00.000Z",
            "app_metadata": {"plan": "pro", "tags": ["beta", "vip"]},
            "user_metadata": {"locale": "fr"},
            "identities": [{"connection": "Username-Password-Authentication", "provider": "auth0"}]
        })
    }

    fn m(q: &str) -> bool {
        parse(q).unwrap_or_else(|e| panic!("{q}: {e}")).matches(&user(), &["email", "name", "nickname", "user_id"])
    }

    #[test]
    fn field_terms_and_phrases() {
        assert!(m("email:jane.doe@example.com"));
        assert!(m(r#"email:"jane.doe@example.com""#));
        assert!(m(r#"name:"jane doe""#));
        assert!(m("name:doe"));
        assert!(!m("name:john"));
        assert!(m("user_id:auth0|abc123"));
        assert!(m(r#"user_id:"auth0|abc123""#));
        assert!(m("app_metadata.plan:pro"));
        assert!(m("app_metadata.tags:vip"));
        assert!(m("identities.connection:Username-Password-Authentication"));
        assert!(m("blocked:false AND email_verified:true"));
        assert!(m("logins_count:12"));
        assert!(m("jane"));
    }

    #[test]
    fn wildcards() {
        assert!(m("email:*@example.com"));
        assert!(m("name:ja*"));
        assert!(m("nickname:j?ne"));
        assert!(!m("email:*@other.com"));
        // As in Auth0's (Lucene) syntax, a wildcard inside quotes is a literal
        // character: the console's search hint gives the unquoted form.
        assert!(!m(r#"email:"*@example.com""#));
        assert!(m("email:*@example.com AND NOT blocked:true"));
        assert!(m("*"));
        assert!(m("*:*"));
        assert!(m("user_metadata.locale:*"));
    }

    #[test]
    fn boolean_logic_and_grouping() {
        assert!(m("name:john OR name:jane"));
        assert!(!m("name:john AND name:jane"));
        assert!(m("NOT name:john"));
        assert!(m("-name:john"));
        assert!(!m("!name:jane"));
        assert!(m("(name:john OR name:jane) AND blocked:false"));
        assert!(m("app_metadata.plan:(free OR pro)"));
        assert!(!m("app_metadata.plan:(free OR enterprise)"));
        assert!(m("name:jane email:*example.com"));
        assert!(m("name:john || +name:jane"));
        assert!(m("name:jane && NOT (blocked:true)"));
    }

    #[test]
    fn ranges_and_exists() {
        assert!(m("logins_count:[10 TO 20]"));
        assert!(!m("logins_count:{12 TO 20]"));
        assert!(m("logins_count:[12 TO *]"));
        assert!(m("created_at:[2024-01-01 TO 2024-12-31]"));
        assert!(m(r#"created_at:["2024-03-05T09:00:00" TO *}"#));
        assert!(!m("created_at:[* TO 2024-03-01]"));
        assert!(m("_exists_:app_metadata.plan"));
        assert!(!m("_exists_:last_login"));
        assert!(m("NOT _exists_:last_login"));
    }

    #[test]
    fn syntax_errors_have_positions() {
        for bad in [
            "name:",
            "(name:jane",
            "name:jane)",
            "AND name:jane",
            "name:jane OR",
            r#"name:"jane"#,
            "[1 TO",
            "logins_count:[1 2]",
            "name:jane^2",
            "()",
            "a:b:c:(",
            "NOT",
            "\\",
            "x:[1 TO 2",
        ] {
            let err = parse(bad).expect_err(bad);
            assert!(err.position <= bad.chars().count(), "{bad}: {err}");
        }
        let deep = "(".repeat(100) + "a" + &")".repeat(100);
        assert!(parse(&deep).unwrap_err().message.contains("deeper"));
        assert_eq!(parse("   ").unwrap(), Query::All);
    }

    #[test]
    fn sort_parsing_and_order() {
        assert_eq!(Sort::parse("created_at:-1"), Some(Sort { field: "created_at".into(), ascending: false }));
        assert!(Sort::parse("created_at").is_none());
        assert!(Sort::parse("created_at:2").is_none());
        assert!(Sort::parse("a b:1").is_none());
        let s = Sort::parse("n:1").unwrap();
        assert_eq!(s.compare(&json!({"n": 1}), &json!({"n": 2})), Ordering::Less);
        assert_eq!(s.compare(&json!({}), &json!({"n": 2})), Ordering::Greater);
    }

    #[test]
    fn glob_matching() {
        assert!(glob("a*c", "abbbc"));
        assert!(glob("*", ""));
        assert!(!glob("a?c", "ac"));
        assert!(glob("*@x.com", "me@x.com"));
    }

    proptest::proptest! {
        #[test]
        fn random_queries_never_panic(q in "\\PC{0,80}") {
            if let Ok(parsed) = parse(&q) {
                let _ = parsed.matches(&user(), &["email", "name"]);
            }
        }

        #[test]
        fn query_like_strings_never_panic(q in "[a-z_:.*?\"()\\[\\]{} \\\\!+&|-]{0,60}|(AND|OR|NOT|TO| |a:|\\(|\\)|\\[|\\]|\\*|\"){0,30}") {
            if let Ok(parsed) = parse(&q) {
                let _ = parsed.matches(&user(), &["email", "name"]);
            }
        }
    }
}
