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
}

impl Role {
    pub fn parse(text: &str) -> Result<Role, String> {
        match text {
            "office" => Ok(Role::Office),
            "lab" => Ok(Role::Lab),
            "team" => Ok(Role::Team),
            other => Err(format!("'{other}' is not a role (office, lab or team)")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Office => "office",
            Role::Lab => "lab",
            Role::Team => "team",
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

/// A six-digit PIN for a team.
pub fn new_pin() -> String {
    format!("{:06}", rand::rng().next_u32() % 1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(new_pin().len(), 6);
    }
}
