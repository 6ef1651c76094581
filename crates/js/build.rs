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
//! strings (count, then the length of each; the strings themselves are one
//! text, `$OUT_DIR/strings.txt`, which the wasm includes as a `&str`, so no
//! UTF-8 check is linked to read them back; the paths come first, in the
//! order operations first use them); enum value lists (count, then a length
//! and string numbers each); query parameter lists (count, then a length and
//! each parameter: its name's string number, a byte with its kind, `0x80` set
//! when required, and an enum's list number); pagings and bodies (count, then
//! each as `paging` and `body` write it). Then the operations, by column, so
//! that alike values sit together and compress well: their count, a byte of
//! API and method each, their paths (`0` for the next path not used yet, `k`
//! for the path `k` before that one), and the numbers of their query list, paging
//! and body (operations share them).

use gatehouse_model::catalog::{Body, Items, Media, Paging, QueryKind, QueryParam, WIRES, Wire};
use gatehouse_model::operation::{Api, Verb};
use std::collections::HashMap;

/// Encoded values stored once each, referred to by their number.
#[derive(Default)]
struct Shared {
    items: Vec<Vec<u8>>,
    ids: HashMap<Vec<u8>, usize>,
}

impl Shared {
    fn id(&mut self, bytes: Vec<u8>) -> usize {
        if let Some(&id) = self.ids.get(&bytes) {
            return id;
        }
        let id = self.items.len();
        self.items.push(bytes.clone());
        self.ids.insert(bytes, id);
        id
    }

    fn write(&self, out: &mut Vec<u8>) {
        varint(out, self.items.len());
        for item in &self.items {
            out.extend_from_slice(item);
        }
    }
}

#[derive(Default)]
struct Packer {
    strings: Vec<&'static str>,
    string_ids: HashMap<&'static str, usize>,
    lists: Vec<Vec<usize>>,
    list_ids: HashMap<Vec<usize>, usize>,
    queries: Shared,
    pagings: Shared,
    bodies: Shared,
    /// Where `u8`, `n` and `str` write (a paging or a body being encoded).
    ops: Vec<u8>,
    /// The operations' columns: API and method, path, query, paging, body.
    columns: [Vec<u8>; 5],
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
        self.queries.id(bytes)
    }

    /// What `write` writes through `u8`, `n` and `str`, as bytes of its own.
    fn encoded(&mut self, write: impl FnOnce(&mut Self)) -> Vec<u8> {
        let outer = std::mem::take(&mut self.ops);
        write(self);
        std::mem::replace(&mut self.ops, outer)
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

    fn paging(&mut self, paging: Paging) {
        match paging {
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

    /// Numbers the paths first, in the order operations first use them (so that the path
    /// column mostly says "the next one").
    fn paths(&mut self, wires: &[Wire]) {
        for w in wires {
            self.string(w.path);
        }
    }

    fn write_wire(&mut self, w: &Wire, paths_used: &mut usize) {
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
        self.columns[0].push(api << 4 | verb);
        let path = self.string(w.path);
        assert!(path <= *paths_used, "the paths are numbered in the order of first use");
        varint(&mut self.columns[1], *paths_used - path);
        if path == *paths_used {
            *paths_used += 1;
        }
        // Every parameter the operation accepts: the spec's and those the model adds
        // (`SPEC_OMISSIONS`, found by the name the table leaves out).
        let query: Vec<&QueryParam> = w.accepted_query().collect();
        let id = self.query(&query);
        varint(&mut self.columns[2], id);
        let paging = self.encoded(|p| p.paging(w.paging));
        let id = self.pagings.id(paging);
        varint(&mut self.columns[3], id);
        let body = self.encoded(|p| p.body(w.body));
        let id = self.bodies.id(body);
        varint(&mut self.columns[4], id);
    }

    /// The table, and its strings one after the other (their lengths are in the table).
    fn finish(self, count: usize) -> (Vec<u8>, String) {
        let mut out = Vec::new();
        varint(&mut out, self.strings.len());
        for s in &self.strings {
            varint(&mut out, s.len());
        }
        varint(&mut out, self.lists.len());
        for list in &self.lists {
            varint(&mut out, list.len());
            for &id in list {
                varint(&mut out, id);
            }
        }
        self.queries.write(&mut out);
        self.pagings.write(&mut out);
        self.bodies.write(&mut out);
        varint(&mut out, count);
        for column in &self.columns {
            out.extend_from_slice(column);
        }
        (out, self.strings.concat())
    }
}

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let mut packer = Packer::default();
    packer.paths(WIRES);
    let mut paths_used = 0;
    for w in WIRES {
        packer.write_wire(w, &mut paths_used);
    }
    let (blob, strings) = packer.finish(WIRES.len());
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("wires.bin"), blob).expect("writing wires.bin");
    std::fs::write(out.join("strings.txt"), strings).expect("writing strings.txt");
}
