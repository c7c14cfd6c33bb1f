//! The boring TLS context: keys and certificate chains from in-memory PEM, CA certificates,
//! the system trust store and the peer verification mode.
//!
//! Verification is set on the boring context only: quiche's `Config::verify_peer()` would
//! replace the context's verify mode and drop the callback installed here.

use std::sync::Arc;

use boring::pkey::{Id, PKey, Private};
use boring::ssl::{
    ClientHello, ExtensionType, SelectCertError, SslContextBuilder, SslMethod,
    SslSignatureAlgorithm, SslVerifyMode,
};
use boring::x509::store::X509StoreBuilder;
use boring::x509::X509;
use foreign_types::ForeignTypeRef;

use crate::errors::{QuicError, QuicResult};

/// One private key with its certificate chain (leaf first) and the DNS names the leaf serves.
pub struct CertChain {
    key: PKey<Private>,
    chain: Vec<X509>,
    names: Vec<String>,
}

/// What the TLS context is built from; every byte string is PEM.
#[derive(Default)]
pub struct TlsOptions {
    pub keys: Vec<Vec<u8>>,
    pub certs: Vec<Vec<u8>>,
    pub ca: Vec<Vec<u8>>,
    /// Load the system's trust store (used for clients that verify and were given no CA).
    pub ca_system: bool,
    pub verify_peer: bool,
    /// Request and accept any peer chain: the JS side verifies it after the handshake.
    pub verify_allow_fail: bool,
    pub sigalgs: Option<String>,
}

/// Well-known CA bundle files, for BoringSSL builds whose default paths miss the distribution's.
const SYSTEM_CA_FILES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
    "/usr/local/etc/openssl/cert.pem",
];

const DEFAULT_VERIFY_ALGORITHMS: &[SslSignatureAlgorithm] = &[
    SslSignatureAlgorithm::ECDSA_SECP256R1_SHA256,
    SslSignatureAlgorithm::RSA_PSS_RSAE_SHA256,
    SslSignatureAlgorithm::RSA_PKCS1_SHA256,
    SslSignatureAlgorithm::ECDSA_SECP384R1_SHA384,
    SslSignatureAlgorithm::RSA_PSS_RSAE_SHA384,
    SslSignatureAlgorithm::RSA_PKCS1_SHA384,
    SslSignatureAlgorithm::RSA_PSS_RSAE_SHA512,
    SslSignatureAlgorithm::RSA_PKCS1_SHA512,
    SslSignatureAlgorithm::ED25519,
];

pub fn parse_chain(key_pem: &[u8], cert_pem: &[u8], index: usize) -> QuicResult<CertChain> {
    let key = PKey::private_key_from_pem(key_pem).map_err(|e| {
        QuicError::pem("key", format!("key[{index}] is not a PEM private key: {e}"))
    })?;
    let chain = X509::stack_from_pem(cert_pem).map_err(|e| {
        QuicError::pem(
            "cert",
            format!("cert[{index}] is not a PEM certificate chain: {e}"),
        )
    })?;
    let leaf = chain
        .first()
        .ok_or_else(|| QuicError::pem("cert", format!("cert[{index}] holds no certificate")))?;
    let leaf_key = leaf.public_key().map_err(|e| {
        QuicError::pem(
            "cert",
            format!("cert[{index}] has no readable public key: {e}"),
        )
    })?;
    if !leaf_key.public_eq(&key) {
        return Err(QuicError::pem(
            "key",
            format!("key[{index}] does not match the leaf of cert[{index}]"),
        ));
    }
    let mut names: Vec<String> = leaf
        .subject_alt_names()
        .map(|sans| {
            sans.iter()
                .filter_map(|n| n.dnsname().map(|s| s.to_ascii_lowercase()))
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty() {
        names = leaf
            .subject_name()
            .entries_by_nid(boring::nid::Nid::COMMONNAME)
            .filter_map(|e| {
                e.data()
                    .as_utf8()
                    .ok()
                    .map(|s| s.to_string().to_ascii_lowercase())
            })
            .collect();
    }
    Ok(CertChain { key, chain, names })
}

/// Whether a certificate name (possibly `*.example.com`) covers `host`.
fn name_matches(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(suffix) => host
            .split_once('.')
            .is_some_and(|(label, rest)| !label.is_empty() && rest.eq_ignore_ascii_case(suffix)),
        None => pattern.eq_ignore_ascii_case(host),
    }
}

/// The TLS 1.3 signature schemes a key of this type can produce.
fn key_signs_with(id: Id, scheme: u16) -> bool {
    match id {
        Id::RSA => matches!(scheme, 0x0804..=0x0806 | 0x0809..=0x080b),
        Id::EC => matches!(scheme, 0x0403 | 0x0503 | 0x0603),
        Id::ED25519 => scheme == 0x0807,
        _ => false,
    }
}

/// The signature schemes the client offers, from its `signature_algorithms` extension.
fn offered_schemes(hello: &ClientHello<'_>) -> Vec<u16> {
    let Some(ext) = hello.get_extension(ExtensionType::SIGNATURE_ALGORITHMS) else {
        return Vec::new();
    };
    // u16 length, then u16 schemes.
    ext.get(2..)
        .unwrap_or_default()
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect()
}

/// Picks the chain for a ClientHello: first one that serves the SNI name and whose key the client
/// can verify, then one that serves the name, then one the client can verify, then the first.
fn select_chain<'a>(chains: &'a [CertChain], sni: Option<&str>, schemes: &[u16]) -> &'a CertChain {
    let serves = |c: &CertChain| sni.is_some_and(|h| c.names.iter().any(|n| name_matches(n, h)));
    let signable = |c: &CertChain| schemes.iter().any(|s| key_signs_with(c.key.id(), *s));
    chains
        .iter()
        .find(|c| serves(c) && signable(c))
        .or_else(|| chains.iter().find(|c| serves(c)))
        .or_else(|| chains.iter().find(|c| signable(c)))
        .unwrap_or(&chains[0])
}

fn install_chain(builder: &mut SslContextBuilder, chain: &CertChain) -> QuicResult<()> {
    let fail = |e: boring::error::ErrorStack| {
        QuicError::pem("cert", format!("certificate chain rejected: {e}"))
    };
    builder.set_private_key(&chain.key).map_err(fail)?;
    builder.set_certificate(&chain.chain[0]).map_err(fail)?;
    for extra in &chain.chain[1..] {
        builder.add_extra_chain_cert(extra.clone()).map_err(fail)?;
    }
    Ok(())
}

pub fn build_context(opts: &TlsOptions) -> QuicResult<SslContextBuilder> {
    let tls_fail = |e: boring::error::ErrorStack| {
        QuicError::new(crate::errors::ErrorCode::TlsFail, e.to_string())
    };
    let mut builder = SslContextBuilder::new(SslMethod::tls()).map_err(tls_fail)?;

    if opts.keys.len() != opts.certs.len() {
        return Err(QuicError::config(
            "key",
            format!(
                "{} keys for {} certificate chains: give one key per chain",
                opts.keys.len(),
                opts.certs.len()
            ),
        ));
    }
    let chains = opts
        .keys
        .iter()
        .zip(&opts.certs)
        .enumerate()
        .map(|(i, (k, c))| parse_chain(k, c, i))
        .collect::<QuicResult<Vec<_>>>()?;
    if let Some(first) = chains.first() {
        install_chain(&mut builder, first)?;
    }
    if chains.len() > 1 {
        let chains = Arc::new(chains);
        builder.set_select_certificate_callback(move |mut hello| {
            let sni = hello
                .servername(boring::ssl::NameType::HOST_NAME)
                .map(str::to_ascii_lowercase);
            let schemes = offered_schemes(&hello);
            let chain = select_chain(&chains, sni.as_deref(), &schemes);
            if std::ptr::eq(chain, &chains[0]) {
                // Already installed on the context.
                return Ok(());
            }
            let ssl = hello.ssl_mut();
            // Drop the default chain's intermediates; boring has no safe call for it.
            // SAFETY: `ssl` is a live SSL for the duration of the callback.
            unsafe { boring_sys::SSL_clear_chain_certs(ssl.as_ptr()) };
            // Leaf first: BoringSSL drops a key that does not match the new leaf, then takes ours.
            let ok = ssl.set_certificate(&chain.chain[0]).is_ok()
                && ssl.set_private_key(&chain.key).is_ok()
                && chain.chain[1..]
                    .iter()
                    .all(|c| ssl.add_chain_cert(c).is_ok());
            if ok {
                Ok(())
            } else {
                Err(SelectCertError::ERROR)
            }
        });
    }

    if !opts.ca.is_empty() || opts.ca_system {
        let mut store = X509StoreBuilder::new().map_err(tls_fail)?;
        for (i, pem) in opts.ca.iter().enumerate() {
            let certs = X509::stack_from_pem(pem)
                .map_err(|e| QuicError::pem("ca", format!("ca[{i}] is not PEM: {e}")))?;
            if certs.is_empty() {
                return Err(QuicError::pem(
                    "ca",
                    format!("ca[{i}] holds no certificate"),
                ));
            }
            for cert in certs {
                store
                    .add_cert(cert)
                    .map_err(|e| QuicError::pem("ca", format!("ca[{i}] rejected: {e}")))?;
            }
        }
        if opts.ca_system {
            store.set_default_paths().map_err(tls_fail)?;
            for file in SYSTEM_CA_FILES {
                if let Ok(pem) = std::fs::read(file) {
                    for cert in X509::stack_from_pem(&pem).unwrap_or_default() {
                        // Duplicates of what the default paths loaded are refused; that is fine.
                        let _ = store.add_cert(cert);
                    }
                    break;
                }
            }
        }
        builder
            .set_verify_cert_store(store.build())
            .map_err(tls_fail)?;
    }

    match (opts.verify_peer, opts.verify_allow_fail) {
        (false, _) => builder.set_verify(SslVerifyMode::NONE),
        (true, false) => {
            builder.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT)
        }
        // The chain is still requested and checked, but a failure is left to the JS side to judge.
        (true, true) => {
            builder.set_verify_callback(SslVerifyMode::PEER, |_preverify_ok, _ctx| true)
        }
    }

    match &opts.sigalgs {
        Some(sigalgs) => builder.set_sigalgs_list(sigalgs).map_err(|e| {
            QuicError::config(
                "sigalgs",
                format!("bad signature algorithm list {sigalgs:?}: {e}"),
            )
        })?,
        // BoringSSL's default verify list leaves Ed25519 out, so Ed25519 peers would fail.
        None => builder
            .set_verify_algorithm_prefs(DEFAULT_VERIFY_ALGORITHMS)
            .map_err(tls_fail)?,
    }
    Ok(builder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_names_cover_one_label() {
        assert!(name_matches("*.example.com", "a.example.com"));
        assert!(!name_matches("*.example.com", "a.b.example.com"));
        assert!(!name_matches("*.example.com", "example.com"));
        assert!(name_matches("Example.COM", "example.com"));
    }

    #[test]
    fn key_types_map_to_tls13_schemes() {
        assert!(key_signs_with(Id::EC, 0x0403));
        assert!(key_signs_with(Id::RSA, 0x0804));
        assert!(key_signs_with(Id::ED25519, 0x0807));
        assert!(!key_signs_with(Id::EC, 0x0807));
    }
}
