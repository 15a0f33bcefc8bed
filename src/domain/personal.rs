use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::IdNumber;

/// The district's secret key for hashing ID numbers. The store keeps only this keyed hash
/// (to match a resident's lookup) and a masked form (to show): without the key, a copy of
/// the database does not let anyone test guessed ID numbers against it.
#[derive(Clone)]
pub struct PersonalDataKey([u8; 32]);

impl PersonalDataKey {
    pub fn from_hex(hex: &str) -> Option<Self> {
        let mut key = [0u8; 32];
        decode_hex(hex, &mut key)?;
        Some(PersonalDataKey(key))
    }

    pub fn generate() -> Self {
        PersonalDataKey(rand::random())
    }

    pub fn to_hex(&self) -> String {
        encode_hex(&self.0)
    }

    /// The first 16 bytes of HMAC-SHA256(key, normalized ID number).
    pub fn id_hash(&self, id: &IdNumber) -> IdHash {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("any key length works");
        mac.update(id.as_str().as_bytes());
        let digest = mac.finalize().into_bytes();
        IdHash(digest[..16].try_into().expect("SHA-256 gives 32 bytes"))
    }
}

impl PersonalDataKey {
    /// A resident's QR ticket: their row number, enciphered so that it says nothing of how
    /// many residents there are or which row comes next, and a keyed tag, `3f09…c1.9f0c…`.
    /// It carries no ID number or name, and cannot be forged for another row without the key.
    pub fn ticket(&self, resident_id: i64) -> String {
        let opaque = self.permute(resident_id as u64, Direction::Forward);
        format!("{opaque:016x}.{}", self.ticket_tag(resident_id))
    }

    /// The resident a ticket names, if its tag is genuine. Tickets of the first form, with
    /// the row number in plain (`123.9f0c…`), are still read: residents may hold them.
    pub fn resident_of_ticket(&self, ticket: &str) -> Option<i64> {
        let ticket = ticket.trim();
        let (id, _) = ticket.split_once('.')?;
        let (resident_id, expected) = if id.len() == 16 {
            let opaque = u64::from_str_radix(id, 16).ok()?;
            let resident_id = self.permute(opaque, Direction::Backward) as i64;
            (resident_id, self.ticket(resident_id))
        } else {
            let resident_id: i64 = id.parse().ok()?;
            (
                resident_id,
                format!("{resident_id}.{}", self.ticket_tag(resident_id)),
            )
        };
        let genuine: bool = expected
            .as_bytes()
            .iter()
            .zip(ticket.as_bytes())
            .fold(expected.len() == ticket.len(), |same, (a, b)| {
                same & (a == b)
            });
        genuine.then_some(resident_id)
    }

    fn ticket_tag(&self, resident_id: i64) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("any key length works");
        mac.update(format!("ticket:{resident_id}").as_bytes());
        encode_hex(&mac.finalize().into_bytes()[..10])
    }

    /// A keyed permutation of 64-bit numbers: a four-round Feistel network whose round
    /// function is HMAC-SHA256 (Luby–Rackoff: a pseudorandom permutation).
    fn permute(&self, value: u64, direction: Direction) -> u64 {
        let key = self.derive("ticket-permutation");
        let round = |index: u8, half: u32| -> u32 {
            let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("any key length works");
            mac.update(&[index]);
            mac.update(&half.to_be_bytes());
            let digest = mac.finalize().into_bytes();
            u32::from_be_bytes(digest[..4].try_into().expect("4 bytes"))
        };
        let (mut left, mut right) = ((value >> 32) as u32, value as u32);
        match direction {
            Direction::Forward => {
                for index in 0..4 {
                    (left, right) = (right, left ^ round(index, right));
                }
            }
            Direction::Backward => {
                for index in (0..4).rev() {
                    (left, right) = (right ^ round(index, left), left);
                }
            }
        }
        (u64::from(left) << 32) | u64::from(right)
    }
}

#[derive(Clone, Copy)]
enum Direction {
    Forward,
    Backward,
}

impl PersonalDataKey {
    /// A resident's phone number, sealed (XChaCha20-Poly1305 under a key derived from this
    /// one) so that only the team visiting them can be given it to call. The nonce is
    /// derived from the resident's code and the number, so sealing the same number again
    /// gives the same bytes and a re-import sees the row unchanged; it never repeats for
    /// two different numbers.
    pub fn seal_phone(&self, resident_code: &str, phone: &str) -> Vec<u8> {
        use chacha20poly1305::aead::{Aead, KeyInit};
        use chacha20poly1305::{XChaCha20Poly1305, XNonce};
        let nonce_bytes = self.derive(&format!("phone-nonce:{resident_code}:{phone}"));
        let nonce = XNonce::from_slice(&nonce_bytes[..24]);
        let cipher =
            XChaCha20Poly1305::new_from_slice(&self.derive("phone-seal")).expect("a 32-byte key");
        let mut sealed = nonce.to_vec();
        sealed.extend(
            cipher
                .encrypt(nonce, phone.as_bytes())
                .expect("sealing a short text cannot fail"),
        );
        sealed
    }

    /// The phone number sealed by [`seal_phone`](Self::seal_phone); `None` if the bytes were
    /// not sealed with this key.
    pub fn open_phone(&self, sealed: &[u8]) -> Option<String> {
        use chacha20poly1305::aead::{Aead, KeyInit};
        use chacha20poly1305::{XChaCha20Poly1305, XNonce};
        if sealed.len() < 24 {
            return None;
        }
        let (nonce, text) = sealed.split_at(24);
        let cipher = XChaCha20Poly1305::new_from_slice(&self.derive("phone-seal")).ok()?;
        let plain = cipher.decrypt(XNonce::from_slice(nonce), text).ok()?;
        String::from_utf8(plain).ok()
    }

    /// A key for one purpose, derived from this one.
    fn derive(&self, purpose: &str) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("any key length works");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

/// A keyed hash of an ID number: equal for the same person, useless without the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdHash([u8; 16]);

impl IdHash {
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(IdHash)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

fn encode_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        text.push(DIGITS[usize::from(b >> 4)] as char);
        text.push(DIGITS[usize::from(b & 15)] as char);
    }
    text
}

fn decode_hex(hex: &str, out: &mut [u8]) -> Option<()> {
    if hex.len() != out.len() * 2 {
        return None;
    }
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_phone_opens_only_with_its_key_and_seals_the_same_each_time() {
        let key = PersonalDataKey::generate();
        let sealed = key.seal_phone("R0000001", "13812345678");
        assert!(!sealed.windows(11).any(|w| w == b"13812345678"));
        assert_eq!(key.open_phone(&sealed).as_deref(), Some("13812345678"));
        assert_eq!(key.seal_phone("R0000001", "13812345678"), sealed);
        assert_ne!(key.seal_phone("R0000002", "13812345678"), sealed);
        assert_eq!(PersonalDataKey::generate().open_phone(&sealed), None);
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert_eq!(key.open_phone(&tampered), None);
    }

    #[test]
    fn tickets_name_their_resident_and_cannot_be_forged() {
        let key = PersonalDataKey::generate();
        let ticket = key.ticket(42);
        assert!(
            !ticket.starts_with("42."),
            "the row number is not shown: {ticket}"
        );
        assert_eq!(key.resident_of_ticket(&ticket), Some(42));
        // Neighbouring rows' tickets look unrelated.
        let next = key.ticket(43);
        assert_ne!(ticket[..8], next[..8]);
        let swapped = format!("{}{}", &next[..16], &ticket[16..]);
        assert_eq!(key.resident_of_ticket(&swapped), None);
        // A ticket of the first form, with the row number in plain, still reads.
        let first_form = format!("42.{}", key.ticket_tag(42));
        assert_eq!(key.resident_of_ticket(&first_form), Some(42));
        assert_eq!(
            key.resident_of_ticket(&first_form.replacen("42.", "43.", 1)),
            None
        );
        assert_eq!(
            PersonalDataKey::generate().resident_of_ticket(&ticket),
            None
        );
        assert_eq!(key.resident_of_ticket("nonsense"), None);
    }

    #[test]
    fn the_ticket_permutation_is_undone() {
        let key = PersonalDataKey::generate();
        for value in [0, 1, 42, 999_999, u64::MAX, 1 << 40] {
            let there = key.permute(value, Direction::Forward);
            assert_eq!(key.permute(there, Direction::Backward), value);
        }
    }

    #[test]
    fn hash_depends_on_key_and_number_and_round_trips_the_key() {
        let key = PersonalDataKey::generate();
        let same = PersonalDataKey::from_hex(&key.to_hex()).unwrap();
        let other = PersonalDataKey::generate();
        let a = IdNumber::parse("11010519491231002X").unwrap();
        let b = IdNumber::parse("E12345678").unwrap();
        assert_eq!(key.id_hash(&a), same.id_hash(&a));
        assert_ne!(key.id_hash(&a), key.id_hash(&b));
        assert_ne!(key.id_hash(&a), other.id_hash(&a));
        let hash = key.id_hash(&a);
        assert_eq!(IdHash::from_bytes(hash.as_bytes()), Some(hash));
    }
}

/// A name as a sampler sees it to confirm whom a swab was from: its first and last
/// characters, the rest hidden (张*明, 李*; a one-character name as it is).
pub fn masked_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 | 1 => chars.iter().collect(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

#[cfg(test)]
mod masked_name_tests {
    #[test]
    fn keeps_only_the_first_and_last_characters() {
        assert_eq!(super::masked_name("张三明"), "张*明");
        assert_eq!(super::masked_name("李四"), "李*");
        assert_eq!(super::masked_name("Ann Lee"), "A*****e");
        assert_eq!(super::masked_name("王"), "王");
    }
}
