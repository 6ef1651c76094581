//! Packs the model's operation descriptions (`gatehouse_model::catalog::WIRES`)
//! into a compact byte table for the wasm (`$OUT_DIR/wires.bin`), which
//! `src/table.rs` reads back at start.
//!
//! The model's `WIRES` stays the one description of every operation; this is
//! its encoding for the package. As Rust statics it costs the wasm a pointer
//! and a length per string and slice (~100 KB of data); packed, strings are
//! stored once and referred to by 16-bit numbers. A test holds the table read
//! back equal to `WIRES`, field by field, but for the names (and with each
//! operation's query parameters the ones it accepts, the model's additions
//! to the spec included, which the model finds by name): operations are
//! stored in `WIRES`'s order (by name) and called by their position there,
//! the position of their row in the package's method list
//! (`gatehouse_js_api.js`), which holds the names once for the package.
//!
//! Layout (every number an unsigned LEB128 varint, so most take one byte):
//! strings (count, then length and UTF-8 bytes each), enum value lists
//! (count, then a length and string numbers each), query parameter lists
//! (count, then a length and each parameter: its name's string number, a
//! byte with its kind, `0x80` set when required, and an enum's list number),
//! operations (count, then each operation as `write_wire` writes it, its
//! query as the number of its parameter list: operations share lists).

use gatehouse_model::catalog::{Body, Items, Media, Paging, QueryKind, QueryParam, WIRES, Wire};
use gatehouse_model::operation::{Api, Verb};
use std::collections::HashMap;

#[derive(Default)]
struct Packer {
    strings: Vec<&'static str>,
    string_ids: HashMap<&'static str, usize>,
    lists: Vec<Vec<usize>>,
    list_ids: HashMap<Vec<usize>, usize>,
    queries: Vec<Vec<u8>>,
    query_ids: HashMap<Vec<u8>, usize>,
    ops: Vec<u8>,
}

fn u8_of(n: usize, what: &str) -> u8 {
    u8::try_from(n).unwrap_or_else(|_| panic!("too many {what} for the packed table"))
}

/// Appends `n` as an unsigned LEB128 varint.
fn varint(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let low = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            return out.push(low);
        }
        out.push(low | 0x80);
    }
}

impl Packer {
    fn string(&mut self, s: &'static str) -> usize {
        if let Some(&id) = self.string_ids.get(s) {
            return id;
        }
        let id = self.strings.len();
        self.strings.push(s);
        self.string_ids.insert(s, id);
        id
    }

    fn list(&mut self, values: &'static [&'static str]) -> usize {
        let ids: Vec<usize> = values.iter().map(|v| self.string(v)).collect();
        if let Some(&id) = self.list_ids.get(&ids) {
            return id;
        }
        let id = self.lists.len();
        self.lists.push(ids.clone());
        self.list_ids.insert(ids, id);
        id
    }

    /// The number of a query parameter list, stored once for every operation that has it.
    fn query(&mut self, params: &[&'static QueryParam]) -> usize {
        let mut bytes = Vec::new();
        varint(&mut bytes, params.len());
        for q in params {
            varint(&mut bytes, self.string(q.name));
            let required = if q.required { 0x80 } else { 0 };
            match q.kind {
                QueryKind::String => bytes.push(required),
                QueryKind::Integer => bytes.push(1 | required),
                QueryKind::Boolean => bytes.push(2 | required),
                QueryKind::StringList => bytes.push(4 | required),
                QueryKind::Enum(values) => {
                    bytes.push(3 | required);
                    varint(&mut bytes, self.list(values));
                }
                QueryKind::EnumList(values) => {
                    bytes.push(5 | required);
                    varint(&mut bytes, self.list(values));
                }
            }
        }
        if let Some(&id) = self.query_ids.get(&bytes) {
            return id;
        }
        let id = self.queries.len();
        self.queries.push(bytes.clone());
        self.query_ids.insert(bytes, id);
        id
    }

    fn u8(&mut self, v: u8) {
        self.ops.push(v);
    }

    fn n(&mut self, v: usize) {
        varint(&mut self.ops, v);
    }

    fn str(&mut self, s: &'static str) {
        let id = self.string(s);
        self.n(id);
    }

    fn items(&mut self, items: Items) {
        match items {
            Items::Bare => self.u8(0),
            Items::Key(k) => {
                self.u8(1);
                self.str(k);
            }
            Items::BareOrKey(k) => {
                self.u8(2);
                self.str(k);
            }
        }
    }

    fn take(&mut self, max_take: Option<u16>, next: bool) {
        match max_take {
            None => self.u8(0),
            Some(t) => {
                self.u8(1);
                self.n(usize::from(t));
            }
        }
        self.u8(u8::from(next));
    }

    fn body(&mut self, body: Option<Body>) {
        let Some(b) = body else { return self.u8(0) };
        self.u8(1);
        self.u8(u8::from(b.required));
        let media: Vec<Media> = b.media.iter().collect();
        self.u8(u8_of(media.len(), "media types"));
        for m in media {
            self.u8(match m {
                Media::Json => 0,
                Media::Form => 1,
                Media::Multipart => 2,
            });
        }
        self.u8(u8::from(b.array));
        match b.wrap {
            None => self.u8(0),
            Some(key) => {
                self.u8(1);
                self.str(key);
            }
        }
        self.u8(u8::from(b.non_empty));
        self.u8(u8_of(b.files.len(), "files"));
        for f in b.files {
            self.str(f.name);
            self.str(f.media_type);
        }
    }

    fn write_wire(&mut self, w: &Wire) {
        let api = match w.api {
            Api::Management => 0,
            Api::Teams => 1,
            Api::Authentication => 2,
        };
        let verb = match w.verb {
            Verb::Get => 0,
            Verb::Post => 1,
            Verb::Put => 2,
            Verb::Patch => 3,
            Verb::Delete => 4,
        };
        self.u8(api << 4 | verb);
        self.str(w.path);
        // Every parameter the operation accepts: the spec's and those the model adds
        // (`SPEC_OMISSIONS`, found by the name the table leaves out).
        let query: Vec<&QueryParam> = w.accepted_query().collect();
        let id = self.query(&query);
        self.n(id);
        match w.paging {
            Paging::None => self.u8(0),
            Paging::Unpaged { items } => {
                self.u8(1);
                self.items(items);
            }
            Paging::Offset { items } => {
                self.u8(2);
                self.items(items);
            }
            Paging::Checkpoint { items, max_take, next } => {
                self.u8(3);
                self.items(items);
                self.take(max_take, next);
            }
            Paging::Both { items, max_take, next } => {
                self.u8(4);
                self.items(items);
                self.take(max_take, next);
            }
        }
        self.body(w.body);
    }

    fn finish(self, count: usize) -> Vec<u8> {
        let mut out = Vec::new();
        varint(&mut out, self.strings.len());
        for s in &self.strings {
            varint(&mut out, s.len());
            out.extend_from_slice(s.as_bytes());
        }
        varint(&mut out, self.lists.len());
        for list in &self.lists {
            varint(&mut out, list.len());
            for &id in list {
                varint(&mut out, id);
            }
        }
        varint(&mut out, self.queries.len());
        for query in &self.queries {
            out.extend_from_slice(query);
        }
        varint(&mut out, count);
        out.extend_from_slice(&self.ops);
        out
    }
}

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let mut packer = Packer::default();
    for w in WIRES {
        packer.write_wire(w);
    }
    let blob = packer.finish(WIRES.len());
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("wires.bin"), blob).expect("writing wires.bin");
}
