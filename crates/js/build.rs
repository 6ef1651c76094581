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
//! Layout (integers little-endian): strings (`u16` count, then `u16` length
//! and UTF-8 bytes each), enum value lists (`u16` count, then a `u16` length and
//! `u16` string numbers each), operations (`u16` count, then each operation as
//! `write_wire` writes it).

use gatehouse_model::catalog::{Body, Items, Media, Paging, QueryKind, QueryParam, WIRES, Wire};
use gatehouse_model::operation::{Api, Verb};
use std::collections::HashMap;

#[derive(Default)]
struct Packer {
    strings: Vec<&'static str>,
    string_ids: HashMap<&'static str, u16>,
    lists: Vec<Vec<u16>>,
    list_ids: HashMap<Vec<u16>, u16>,
    ops: Vec<u8>,
}

fn u16_of(n: usize, what: &str) -> u16 {
    u16::try_from(n).unwrap_or_else(|_| panic!("too many {what} for the packed table"))
}

fn u8_of(n: usize, what: &str) -> u8 {
    u8::try_from(n).unwrap_or_else(|_| panic!("too many {what} for the packed table"))
}

impl Packer {
    fn string(&mut self, s: &'static str) -> u16 {
        if let Some(&id) = self.string_ids.get(s) {
            return id;
        }
        let id = u16_of(self.strings.len(), "strings");
        self.strings.push(s);
        self.string_ids.insert(s, id);
        id
    }

    fn list(&mut self, values: &'static [&'static str]) -> u16 {
        let ids: Vec<u16> = values.iter().map(|v| self.string(v)).collect();
        if let Some(&id) = self.list_ids.get(&ids) {
            return id;
        }
        let id = u16_of(self.lists.len(), "enum lists");
        self.lists.push(ids.clone());
        self.list_ids.insert(ids, id);
        id
    }

    fn u8(&mut self, v: u8) {
        self.ops.push(v);
    }

    fn u16(&mut self, v: u16) {
        self.ops.extend_from_slice(&v.to_le_bytes());
    }

    fn str(&mut self, s: &'static str) {
        let id = self.string(s);
        self.u16(id);
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
                self.u16(t);
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
        self.u8(match w.api {
            Api::Management => 0,
            Api::Teams => 1,
            Api::Authentication => 2,
        });
        self.u8(match w.verb {
            Verb::Get => 0,
            Verb::Post => 1,
            Verb::Put => 2,
            Verb::Patch => 3,
            Verb::Delete => 4,
        });
        self.str(w.path);
        // Every parameter the operation accepts: the spec's and those the model adds
        // (`SPEC_OMISSIONS`, found by the name the table leaves out).
        let query: Vec<&QueryParam> = w.accepted_query().collect();
        self.u8(u8_of(query.len(), "query parameters"));
        for q in query {
            self.str(q.name);
            match q.kind {
                QueryKind::String => self.u8(0),
                QueryKind::Integer => self.u8(1),
                QueryKind::Boolean => self.u8(2),
                QueryKind::StringList => self.u8(4),
                QueryKind::Enum(values) => {
                    self.u8(3);
                    let id = self.list(values);
                    self.u16(id);
                }
                QueryKind::EnumList(values) => {
                    self.u8(5);
                    let id = self.list(values);
                    self.u16(id);
                }
            }
            self.u8(u8::from(q.required));
        }
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
        out.extend_from_slice(&u16_of(self.strings.len(), "strings").to_le_bytes());
        for s in &self.strings {
            out.extend_from_slice(&u16_of(s.len(), "string bytes").to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        out.extend_from_slice(&u16_of(self.lists.len(), "enum lists").to_le_bytes());
        for list in &self.lists {
            out.extend_from_slice(&u16_of(list.len(), "enum values").to_le_bytes());
            for id in list {
                out.extend_from_slice(&id.to_le_bytes());
            }
        }
        out.extend_from_slice(&u16_of(count, "operations").to_le_bytes());
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
