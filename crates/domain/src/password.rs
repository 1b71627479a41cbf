//! Password hashing: Argon2id with a random salt, stored as a PHC string.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// The PHC string of `password` (`$argon2id$v=19$…`).
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` matches a stored PHC string (false for a malformed one).
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let hash = hash_password("renkou2026pw").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("renkou2026pw", &hash));
        assert!(!verify_password("renkou2026px", &hash));
        assert!(!verify_password("renkou2026pw", "not a hash"));
        assert_ne!(hash, hash_password("renkou2026pw").unwrap(), "salted");
    }
}
