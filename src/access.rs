//! Secrets: passwords and PINs hashed with argon2, session tokens random and kept only as a
//! SHA-256 (a stolen database holds no usable token).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Office,
    Lab,
    Team,
    /// The city's headquarters: reads every district's progress, changes nothing.
    City,
}

impl Role {
    pub fn parse(text: &str) -> Result<Role, String> {
        match text {
            "office" => Ok(Role::Office),
            "lab" => Ok(Role::Lab),
            "team" => Ok(Role::Team),
            "city" => Ok(Role::City),
            other => Err(format!(
                "'{other}' is not a role (office, lab, team or city)"
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Office => "office",
            Role::Lab => "lab",
            Role::Team => "team",
            Role::City => "city",
        }
    }
}

/// An argon2id hash in PHC form (salt and parameters included).
pub fn hash_secret(secret: &str) -> String {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).expect("16 bytes make a valid salt");
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .expect("argon2 with default parameters hashes any input")
        .to_string()
}

pub fn secret_matches(secret: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(secret.as_bytes(), &hash)
            .is_ok()
    })
}

/// A new session token (64 hex digits) and the hash to store.
pub fn new_token() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A random PIN of `digits` digits for a team.
pub fn new_pin(digits: usize) -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..digits)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

/// How logins that keep failing are slowed and stopped, per account (or team) and per
/// client: every attempt waits `first_delay × 2^(n−1)` after the n-th attempt not yet followed
/// by a success; the `lock_after`-th locks the key for `lock_for`. An attempt is counted
/// before its secret is checked, so that attempts sent at once cannot all slip through one
/// free turn; a success forgets the count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Throttle {
    pub first_delay: chrono::Duration,
    pub lock_after: i32,
    pub lock_for: chrono::Duration,
}

/// Attempts not yet followed by a success, for one account or client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempts {
    /// Since the last success or lock.
    pub count: i32,
    /// No attempt is admitted before this.
    pub next_try_at: chrono::NaiveDateTime,
    pub locked_until: Option<chrono::NaiveDateTime>,
}

impl Throttle {
    pub fn admits(&self, attempts: Option<&Attempts>, now: chrono::NaiveDateTime) -> bool {
        attempts.is_none_or(|a| now >= a.next_try_at && a.locked_until.is_none_or(|l| now >= l))
    }

    /// The count after one more attempt at `now`, and whether that attempt locks the key.
    pub fn count(
        &self,
        attempts: Option<&Attempts>,
        now: chrono::NaiveDateTime,
    ) -> (Attempts, bool) {
        let count = attempts.map_or(0, |a| a.count) + 1;
        if count >= self.lock_after {
            let until = now + self.lock_for;
            return (
                Attempts {
                    count: 0,
                    next_try_at: until,
                    locked_until: Some(until),
                },
                true,
            );
        }
        // Doubling, but never longer than a lock.
        let delay = (0..count - 1).fold(self.first_delay, |d, _| (d * 2).min(self.lock_for));
        (
            Attempts {
                count,
                next_try_at: now + delay,
                locked_until: None,
            },
            false,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle() -> Throttle {
        Throttle {
            first_delay: chrono::Duration::seconds(1),
            lock_after: 4,
            lock_for: chrono::Duration::minutes(15),
        }
    }

    #[test]
    fn each_failure_doubles_the_wait_until_the_key_locks() {
        let t = throttle();
        let start = chrono::NaiveDate::from_ymd_opt(2026, 12, 2)
            .unwrap()
            .and_hms_opt(8, 0, 0)
            .unwrap();
        assert!(t.admits(None, start));
        let (one, locked) = t.count(None, start);
        assert!(!locked);
        assert_eq!(one.next_try_at - start, chrono::Duration::seconds(1));
        assert!(!t.admits(Some(&one), start));
        let (two, _) = t.count(Some(&one), one.next_try_at);
        assert_eq!(
            two.next_try_at - one.next_try_at,
            chrono::Duration::seconds(2)
        );
        let (three, _) = t.count(Some(&two), two.next_try_at);
        assert_eq!(
            three.next_try_at - two.next_try_at,
            chrono::Duration::seconds(4)
        );
        let (four, locked) = t.count(Some(&three), three.next_try_at);
        assert!(locked, "the fourth attempt locks");
        let until = three.next_try_at + chrono::Duration::minutes(15);
        assert_eq!(four.locked_until, Some(until));
        assert!(!t.admits(Some(&four), until - chrono::Duration::seconds(1)));
        assert!(t.admits(Some(&four), until));
        assert_eq!(four.count, 0, "after a lock, the count starts again");
    }

    #[test]
    fn a_secret_matches_its_hash_only() {
        let hash = hash_secret("冬天的早晨 7:00");
        assert!(hash.starts_with("$argon2id$"));
        assert!(secret_matches("冬天的早晨 7:00", &hash));
        assert!(!secret_matches("冬天的早晨 7:01", &hash));
        assert!(!secret_matches("x", "not a hash"));
        assert_ne!(hash_secret("same"), hash_secret("same"), "salted");
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, hash_a) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(token_hash(&a), hash_a);
        assert_eq!(new_pin(6).len(), 6);
        assert!(new_pin(8).chars().all(|c| c.is_ascii_digit()));
    }
}
