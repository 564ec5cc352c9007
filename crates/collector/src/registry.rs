//! The sensor registry as the operator drives it: registering sensors,
//! handing out tokens, disabling sensors and rotating their tokens.
//! Tokens are shown once and stored only as hashes.

use std::fs::File;
use std::io::{self, Read};

use hirundo_fingerprint::Prefix;
use hirundo_store::{NetworkType, NewSensor, Sensor, Store, StoreError, TokenHash};
use sha2::{Digest, Sha256};

use hirundo_wire::hex;

/// Why a registry operation failed.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("address range {text:?}: {why}")]
    BadAddress { text: String, why: String },
    #[error("cannot read random bytes for a token: {0}")]
    Random(#[from] io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A sensor token: 256 random bits, as 64 hex digits.
pub struct Token(pub String);

impl Token {
    /// A fresh token from the operating system's random source.
    pub fn generate() -> Result<Token, io::Error> {
        let mut bytes = [0u8; 32];
        File::open("/dev/urandom")?.read_exact(&mut bytes)?;
        Ok(Token(hex(&bytes)))
    }

    pub fn hash(&self) -> TokenHash {
        hash_token(&self.0)
    }
}

/// What the store keeps of a token.
pub fn hash_token(token: &str) -> TokenHash {
    TokenHash(Sha256::digest(token.as_bytes()).into())
}

/// Registers a sensor and returns it with its first token, which is
/// shown to the operator once and never stored in the clear.
pub fn add_sensor(
    store: &dyn Store,
    name: &str,
    country: &str,
    network_type: NetworkType,
    addresses: &[String],
) -> Result<(Sensor, Token), RegistryError> {
    let addresses = addresses
        .iter()
        .map(|text| {
            text.parse::<Prefix>()
                .map(|p| p.to_string())
                .map_err(|e| RegistryError::BadAddress {
                    text: text.clone(),
                    why: e.to_string(),
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let token = Token::generate()?;
    let sensor = store.add_sensor(
        &NewSensor {
            name: name.to_string(),
            country: country.to_ascii_uppercase(),
            network_type,
            addresses,
        },
        &token.hash(),
    )?;
    Ok((sensor, token))
}

/// Gives a sensor a new token; the old one stops working at once.
pub fn rotate_token(store: &dyn Store, name: &str) -> Result<Token, RegistryError> {
    let token = Token::generate()?;
    store.set_token(name, &token.hash())?;
    Ok(token)
}
