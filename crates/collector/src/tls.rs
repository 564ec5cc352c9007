//! The collector's certificate: made on first start, kept in the data
//! directory, and identified to sensors by its SHA-256 fingerprint, which
//! they pin. No certificate authority is involved: partner sites pin the
//! fingerprint the operator gives them, as with SSH host keys.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};

/// Why the certificate could not be made or loaded.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path}: not a PEM {what}: {why}")]
    Pem {
        path: PathBuf,
        what: &'static str,
        why: String,
    },
    #[error("cannot make a certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("the certificate and key do not go together: {0}")]
    Rustls(#[from] rustls::Error),
}

/// The collector's certificate and key.
pub struct Identity {
    pub cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
    /// Whether this start made it.
    pub created: bool,
}

impl Identity {
    const CERT: &'static str = "cert.pem";
    const KEY: &'static str = "key.pem";

    /// Loads `dir/cert.pem` and `dir/key.pem`, or makes a self-signed pair
    /// for `names` (host names and addresses sensors will use) and writes
    /// them, the key readable by the owner only.
    pub fn load_or_create(dir: &Path, names: &[String]) -> Result<Identity, TlsError> {
        let cert_path = dir.join(Self::CERT);
        let key_path = dir.join(Self::KEY);
        if cert_path.exists() {
            let cert = CertificateDer::from_pem_file(&cert_path).map_err(|e| TlsError::Pem {
                path: cert_path.clone(),
                what: "certificate",
                why: e.to_string(),
            })?;
            let key = PrivateKeyDer::from_pem_file(&key_path).map_err(|e| TlsError::Pem {
                path: key_path.clone(),
                what: "private key",
                why: e.to_string(),
            })?;
            return Ok(Identity {
                cert,
                key,
                created: false,
            });
        }
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| TlsError::Io { path, source }
        };
        fs::create_dir_all(dir).map_err(io(dir))?;
        let certified = rcgen::generate_simple_self_signed(names.to_vec())?;
        write_private(&key_path, certified.signing_key.serialize_pem().as_bytes())
            .map_err(io(&key_path))?;
        // The certificate last: its presence means the pair is whole.
        fs::write(&cert_path, certified.cert.pem()).map_err(io(&cert_path))?;
        Ok(Identity {
            cert: certified.cert.der().clone(),
            key: PrivateKeyDer::try_from(certified.signing_key.serialize_der()).map_err(|why| {
                TlsError::Pem {
                    path: key_path,
                    what: "private key",
                    why: why.to_string(),
                }
            })?,
            created: true,
        })
    }

    /// SHA-256 of the certificate's DER bytes, lower-case hex: what a
    /// sensor's `--fingerprint` takes.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.cert)
    }

    /// A rustls server configuration serving this identity.
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(vec![self.cert.clone()], self.key.clone_key())?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// SHA-256 of a certificate, lower-case hex.
pub fn fingerprint(cert: &CertificateDer<'_>) -> String {
    hirundo_wire::hex(&Sha256::digest(cert.as_ref()))
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    fs::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_once_then_loaded_with_the_same_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
        let made = Identity::load_or_create(dir.path(), &names).unwrap();
        assert!(made.created);
        let loaded = Identity::load_or_create(dir.path(), &names).unwrap();
        assert!(!loaded.created);
        assert_eq!(made.fingerprint(), loaded.fingerprint());
        assert_eq!(made.fingerprint().len(), 64);
        loaded.server_config().unwrap();
    }

    #[test]
    fn a_broken_certificate_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("cert.pem"), "not pem").unwrap();
        let err = Identity::load_or_create(dir.path(), &[]).err().unwrap();
        assert!(err.to_string().contains("cert.pem"), "{err}");
    }
}
