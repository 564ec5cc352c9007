//! Trust in the collector by certificate pinning: the sensor accepts
//! exactly the certificate whose SHA-256 the operator gave it, whatever
//! its names or issuer, and still checks that the server holds its key.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, Error, SignatureScheme};
use sha2::{Digest, Sha256};

/// Parses a fingerprint as `hirundo serve` prints it: 64 hex digits,
/// optionally in colon-separated pairs, either case.
pub fn parse_fingerprint(text: &str) -> Option<[u8; 32]> {
    hirundo_wire::parse_sha256(text)
}

#[derive(Debug)]
struct Pinned {
    sha256: [u8; 32],
    provider: Arc<CryptoProvider>,
    seen: Arc<Mismatch>,
}

/// The certificate a collector presented when it was not the pinned one:
/// rustls reports verifier errors in debug form, so the shipper words
/// them itself from this.
#[derive(Debug, Default)]
pub struct Mismatch(std::sync::Mutex<Option<[u8; 32]>>);

impl Mismatch {
    /// The sentence for the operator, once a mismatch has been seen.
    pub fn take(&self) -> Option<String> {
        let seen = self.0.lock().ok()?.take()?;
        Some(FingerprintMismatch(seen).to_string())
    }
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let seen: [u8; 32] = Sha256::digest(end_entity.as_ref()).into();
        if seen == self.sha256 {
            Ok(ServerCertVerified::assertion())
        } else {
            if let Ok(mut slot) = self.seen.0.lock() {
                *slot = Some(seen);
            }
            Err(Error::InvalidCertificate(CertificateError::Other(
                rustls::OtherError(Arc::new(FingerprintMismatch(seen))),
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[derive(Debug)]
struct FingerprintMismatch([u8; 32]);

impl std::fmt::Display for FingerprintMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the collector's certificate has SHA-256 {}, not the pinned fingerprint; \
             check --fingerprint against what `hirundo serve` printed",
            hirundo_wire::hex(&self.0)
        )
    }
}

impl std::error::Error for FingerprintMismatch {}

/// A client configuration that trusts only the pinned certificate, and
/// where it notes a certificate it refused.
pub fn client_config(
    sha256: [u8; 32],
) -> Result<(Arc<rustls::ClientConfig>, Arc<Mismatch>), Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let seen = Arc::new(Mismatch::default());
    let verifier = Pinned {
        sha256,
        provider: provider.clone(),
        seen: seen.clone(),
    };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok((Arc::new(config), seen))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_parse_with_or_without_colons() {
        let plain = "ab".repeat(32);
        let colons = vec!["AB"; 32].join(":");
        assert_eq!(parse_fingerprint(&plain), Some([0xab; 32]));
        assert_eq!(parse_fingerprint(&colons), Some([0xab; 32]));
        assert_eq!(parse_fingerprint("ab"), None);
        assert_eq!(parse_fingerprint(&"zz".repeat(32)), None);
        assert_eq!(parse_fingerprint(&"é".repeat(32)), None);
    }
}
