//! The operation descriptions, read back from the packed table `build.rs`
//! writes from the model's `catalog::WIRES` (see there for the layout).
//!
//! The wasm links this table instead of the model's statics (the model's
//! `WIRES` is then not referred to, so not linked): strings are
//! slices of the table itself, each stored once. It is read once, on first
//! use, into `'static` values of the model's own types ([`Wire`]), so the
//! model's checks and encoders work on it unchanged. A table that does not
//! read back (a build bug, never input) leaves no operations rather than a
//! panic; a test holds it equal to `WIRES`.
//!
//! The names are not in the table: JavaScript calls an operation by its
//! position in `WIRES` (its row in the method list, `gatehouse_js_api.js`,
//! which holds the names), so each [`Wire`] read back has an empty `name`, and
//! an error that names the operation gets its name from the wrapper.

use gatehouse_model::catalog::{Body, FilePart, Items, Media, MediaList, Paging, QueryKind, QueryParam, Wire};
use gatehouse_model::operation::{Api, Verb};
static PACKED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/wires.bin"));
/// The table's strings, one after the other (their lengths are in [`PACKED`]).
static STRINGS: &str = include_str!(concat!(env!("OUT_DIR"), "/strings.txt"));

thread_local! {
    /// The table read back, on first use. Per thread: the wasm has one (and a `thread_local`
    /// costs it less code than a `OnceLock`); host tests read it once per test thread.
    static TABLE: &'static [Wire] = read(PACKED).map_or(&[], |w| Vec::leak(w));
}

/// Every operation, in `WIRES`'s order (by name), each without its name.
pub fn wires() -> &'static [Wire] {
    TABLE.with(|t| *t)
}

/// The operation at position `id` of `WIRES`.
pub fn get(id: u32) -> Option<&'static Wire> {
    wires().get(usize::try_from(id).ok()?)
}

struct Reader {
    at: usize,
    strings: Vec<&'static str>,
    lists: Vec<&'static [&'static str]>,
}

impl Reader {
    fn u8(&mut self) -> Option<u8> {
        let b = *PACKED.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    /// An unsigned LEB128 varint.
    fn n(&mut self) -> Option<usize> {
        let mut value = 0usize;
        for shift in (0..28).step_by(7) {
            let b = self.u8()?;
            value |= usize::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    fn flag(&mut self) -> Option<bool> {
        self.u8().map(|b| b != 0)
    }

    fn str(&mut self) -> Option<&'static str> {
        let id = self.n()?;
        self.strings.get(id).copied()
    }

    fn list(&mut self) -> Option<&'static [&'static str]> {
        let id = self.n()?;
        self.lists.get(id).copied()
    }

    /// One query parameter list.
    fn query(&mut self) -> Option<&'static [QueryParam]> {
        let n = self.n()?;
        let mut query = Vec::with_capacity(n);
        for _ in 0..n {
            let name = self.str()?;
            let byte = self.u8()?;
            let kind = match byte & 0x7f {
                0 => QueryKind::String,
                1 => QueryKind::Integer,
                2 => QueryKind::Boolean,
                3 => QueryKind::Enum(self.list()?),
                4 => QueryKind::StringList,
                5 => QueryKind::EnumList(self.list()?),
                _ => return None,
            };
            query.push(QueryParam { name, kind, required: byte & 0x80 != 0 });
        }
        Some(if query.is_empty() { &[] } else { Vec::leak(query) })
    }

    fn items(&mut self) -> Option<Items> {
        Some(match self.u8()? {
            0 => Items::Bare,
            1 => Items::Key(self.str()?),
            2 => Items::BareOrKey(self.str()?),
            _ => return None,
        })
    }

    fn take(&mut self) -> Option<(Option<u16>, bool)> {
        let max_take = match self.u8()? {
            0 => None,
            _ => Some(u16::try_from(self.n()?).ok()?),
        };
        Some((max_take, self.flag()?))
    }

    fn body(&mut self) -> Option<Option<Body>> {
        if !self.flag()? {
            return Some(None);
        }
        let required = self.flag()?;
        let n = self.u8()?;
        let mut media = Vec::with_capacity(usize::from(n));
        for _ in 0..n {
            media.push(match self.u8()? {
                0 => Media::Json,
                1 => Media::Form,
                2 => Media::Multipart,
                _ => return None,
            });
        }
        let array = self.flag()?;
        let wrap = if self.flag()? { Some(self.str()?) } else { None };
        let non_empty = self.flag()?;
        let n = self.u8()?;
        let mut files = Vec::with_capacity(usize::from(n));
        for _ in 0..n {
            files.push(FilePart { name: self.str()?, media_type: self.str()? });
        }
        let files: &'static [FilePart] = if files.is_empty() { &[] } else { Vec::leak(files) };
        Some(Some(Body { required, media: MediaList::of(&media), array, wrap, non_empty, files }))
    }

    fn paging(&mut self) -> Option<Paging> {
        Some(match self.u8()? {
            0 => Paging::None,
            1 => Paging::Unpaged { items: self.items()? },
            2 => Paging::Offset { items: self.items()? },
            3 => {
                let items = self.items()?;
                let (max_take, next) = self.take()?;
                Paging::Checkpoint { items, max_take, next }
            }
            4 => {
                let items = self.items()?;
                let (max_take, next) = self.take()?;
                Paging::Both { items, max_take, next }
            }
            _ => return None,
        })
    }

    /// An operation's API and method, from their byte.
    fn head(byte: u8) -> Option<(Api, Verb)> {
        let api = match byte >> 4 {
            0 => Api::Management,
            1 => Api::Teams,
            2 => Api::Authentication,
            _ => return None,
        };
        let verb = match byte & 0xf {
            0 => Verb::Get,
            1 => Verb::Post,
            2 => Verb::Put,
            3 => Verb::Patch,
            4 => Verb::Delete,
            _ => return None,
        };
        Some((api, verb))
    }

    /// The next number of a column, as the index of one of `values`.
    fn pick<T: Copy>(&mut self, values: &[T]) -> Option<T> {
        let id = self.n()?;
        values.get(id).copied()
    }
}

fn read(packed: &'static [u8]) -> Option<Vec<Wire>> {
    let mut r = Reader { at: 0, strings: Vec::new(), lists: Vec::new() };
    let mut start = 0;
    for _ in 0..r.n()? {
        let end = start + r.n()?;
        r.strings.push(STRINGS.get(start..end)?);
        start = end;
    }
    for _ in 0..r.n()? {
        let len = r.n()?;
        let mut values = Vec::with_capacity(len);
        for _ in 0..len {
            values.push(r.str()?);
        }
        r.lists.push(Vec::leak(values));
    }
    let mut queries = Vec::new();
    for _ in 0..r.n()? {
        queries.push(r.query()?);
    }
    let mut pagings = Vec::new();
    for _ in 0..r.n()? {
        pagings.push(r.paging()?);
    }
    let mut bodies = Vec::new();
    for _ in 0..r.n()? {
        bodies.push(r.body()?);
    }
    // The operations, column by column (see `build.rs`).
    let n = r.n()?;
    let heads = packed.get(r.at..r.at + n)?;
    r.at += n;
    let mut wires = Vec::with_capacity(n);
    let mut paths_used: usize = 0;
    for &head in heads {
        let (api, verb) = Reader::head(head)?;
        // `0`: the next path not used yet; `k`: the path `k` before that one.
        let back = r.n()?;
        let path = *r.strings.get(paths_used.checked_sub(back)?)?;
        if back == 0 {
            paths_used += 1;
        }
        wires.push(Wire { name: "", api, verb, path, query: &[], paging: Paging::None, body: None });
    }
    for w in &mut wires {
        w.query = r.pick(&queries)?;
    }
    for w in &mut wires {
        w.paging = r.pick(&pagings)?;
    }
    for w in &mut wires {
        w.body = r.pick(&bodies)?;
    }
    (r.at == packed.len() && start == STRINGS.len()).then_some(wires)
}

/// What the table holds of `wire`: no name, and as its query every parameter it accepts
/// (the spec's and the model's additions, which the model finds by name).
#[cfg(test)]
pub(crate) fn unnamed(wire: &Wire) -> Wire {
    let query: Vec<QueryParam> = wire.accepted_query().copied().collect();
    Wire { name: "", query: Vec::leak(query), ..*wire }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatehouse_model::catalog::WIRES;

    #[test]
    fn the_packed_table_reads_back_as_the_models_wires() {
        let table = wires();
        assert_eq!(table.len(), WIRES.len());
        for (read, model) in table.iter().zip(WIRES) {
            assert_eq!(read, &unnamed(model), "{}", model.name);
        }
        let users = WIRES.iter().position(|w| w.name == "users.list").unwrap();
        assert!(get(users as u32).is_some_and(|w| w.path == "/api/v2/users"));
        assert!(get(WIRES.len() as u32).is_none());
    }
}
