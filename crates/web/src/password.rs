//! Dashboard passwords: argon2id with the crate's default parameters and
//! a random salt from the operating system, kept as PHC strings.

use std::sync::LazyLock;

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use password_hash::rand_core::OsRng;
use password_hash::SaltString;

/// Fewest characters a password may have.
pub const MIN_PASSWORD_LEN: usize = 12;
/// Most characters a password may have: bounds the work one login costs.
pub const MAX_PASSWORD_LEN: usize = 1024;

/// Why a password was not hashed.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Fewer than [`MIN_PASSWORD_LEN`] characters.
    #[error("the password has {len} characters; use at least {MIN_PASSWORD_LEN}")]
    TooShort { len: usize },
    /// More than [`MAX_PASSWORD_LEN`] characters.
    #[error("the password has {len} characters; use at most {MAX_PASSWORD_LEN}")]
    TooLong { len: usize },
    /// The hasher failed (no random source, say).
    #[error("hashing the password: {0}")]
    Hash(String),
}

/// Checks a new password's length, counted in characters.
pub fn validate_password(password: &str) -> Result<(), PasswordError> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(PasswordError::TooShort { len });
    }
    if len > MAX_PASSWORD_LEN {
        return Err(PasswordError::TooLong { len });
    }
    Ok(())
}

/// The PHC string (`$argon2id$v=19$...`) of a new password.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    validate_password(password)?;
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether `password` matches the PHC string `phc`. A string that is not
/// a PHC hash matches nothing.
pub fn verify_password(password: &str, phc: &str) -> bool {
    if password.len() > MAX_PASSWORD_LEN * 4 {
        return false;
    }
    PasswordHash::new(phc).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// A hash no password is known for, checked when a login names no
/// account, so that an unknown name costs the same work as a wrong
/// password and timing does not tell which names exist.
pub(crate) static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(b"no account has this password", &salt)
        .map(|hash| hash.to_string())
        // Without a random source there is no login at all; an empty
        // string still costs nothing but matches nothing.
        .unwrap_or_default()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_and_nothing_else() {
        let phc = hash_password("correct horse battery").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$"), "{phc}");
        assert!(verify_password("correct horse battery", &phc));
        assert!(!verify_password("correct horse batterY", &phc));
        assert!(!verify_password("correct horse battery", "not a hash"));
        // A fresh salt every time.
        assert_ne!(phc, hash_password("correct horse battery").unwrap());
    }

    #[test]
    fn length_is_counted_in_characters() {
        assert!(matches!(
            validate_password("short"),
            Err(PasswordError::TooShort { len: 5 })
        ));
        // Twelve characters, more bytes.
        assert!(validate_password("ééééééééééé1").is_ok());
        assert!(matches!(
            validate_password(&"x".repeat(MAX_PASSWORD_LEN + 1)),
            Err(PasswordError::TooLong { len }) if len == MAX_PASSWORD_LEN + 1
        ));
    }

    #[test]
    fn the_dummy_hash_is_a_real_argon2id_hash() {
        assert!(DUMMY_HASH.starts_with("$argon2id$"));
        assert!(!verify_password("", &DUMMY_HASH));
    }
}
