//! Identifiers shaped like Auth0's, drawn from a seeded random generator so
//! that a tenant built from the same seed gets the same ids.

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A deterministic source of ids and random choices.
#[derive(Debug, Clone)]
pub struct Ids {
    rng: ChaCha20Rng,
}

impl Ids {
    /// A generator for `seed`; `stream` separates independent sequences drawn
    /// from the same seed (seeding, each restart of a persisted tenant, ...).
    pub fn new(seed: u64, stream: u64) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        rng.set_stream(stream);
        Self { rng }
    }

    /// The underlying generator, for random choices.
    pub fn rng(&mut self) -> &mut ChaCha20Rng {
        &mut self.rng
    }

    fn chars(&mut self, set: &[u8], len: usize) -> String {
        (0..len).map(|_| set[self.rng.gen_range(0..set.len())] as char).collect()
    }

    /// `len` lowercase hex digits.
    pub fn hex(&mut self, len: usize) -> String {
        const HEX: &[u8] = b"0123456789abcdef";
        self.chars(HEX, len)
    }

    /// `len` letters and digits.
    pub fn alnum(&mut self, len: usize) -> String {
        self.chars(ALNUM, len)
    }

    /// `len` decimal digits, not starting with zero.
    pub fn digits(&mut self, len: usize) -> String {
        let mut s = self.rng.gen_range(1..10).to_string();
        for _ in 1..len {
            s.push(char::from(b'0' + self.rng.gen_range(0..10u8)));
        }
        s
    }

    /// A database user id: `auth0|` and 24 hex digits.
    pub fn user_id(&mut self) -> String {
        format!("auth0|{}", self.hex(24))
    }

    /// `rol_` and 16 letters or digits.
    pub fn role_id(&mut self) -> String {
        format!("rol_{}", self.alnum(16))
    }

    /// `con_` and 16 letters or digits.
    pub fn connection_id(&mut self) -> String {
        format!("con_{}", self.alnum(16))
    }

    /// `org_` and 16 letters or digits.
    pub fn organization_id(&mut self) -> String {
        format!("org_{}", self.alnum(16))
    }

    /// A 32-character client id.
    pub fn client_id(&mut self) -> String {
        self.alnum(32)
    }

    /// A 64-character client secret.
    pub fn client_secret(&mut self) -> String {
        self.chars(SECRET, 64)
    }

    /// A random UUID (version 4) in its hyphenated form.
    pub fn uuid(&mut self) -> String {
        let mut b = [0u8; 16];
        self.rng.fill_bytes(&mut b);
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
    }

    /// An opaque token of `len` URL-safe characters.
    pub fn token(&mut self, len: usize) -> String {
        self.chars(SECRET, len)
    }

    /// A uniform float in `0..1`.
    pub fn unit(&mut self) -> f64 {
        self.rng.r#gen::<f64>()
    }

    /// A uniform integer in `lo..hi` (empty ranges give `lo`).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo { lo } else { self.rng.gen_range(lo..hi) }
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.gen_range(0..items.len())]
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_deterministic_and_shaped() {
        let (mut a, mut b) = (Ids::new(7, 0), Ids::new(7, 0));
        assert_eq!(a.user_id(), b.user_id());
        let mut c = Ids::new(7, 1);
        assert_ne!(Ids::new(7, 0).user_id(), c.user_id());
        let id = a.user_id();
        assert!(id.starts_with("auth0|") && id.len() == 30);
        assert_eq!(a.role_id().len(), 20);
        assert_eq!(a.client_id().len(), 32);
        let u = a.uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }
}
