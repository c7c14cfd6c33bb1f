//! Address validation tokens (RFC 9000 §8.1): minted into a Retry, checked on the client's next
//! Initial. A token is HMAC-SHA256-authenticated, bound to the client's IP address and port,
//! and expires.
//!
//! Layout: `version (1) | issued, ms since the Unix epoch (8, BE) | odcid length (1) | odcid | tag (32)`.
//! The tag covers everything before it plus the encoded client address.

use std::time::{SystemTime, UNIX_EPOCH};

use napi::bindgen_prelude::Buffer;
use napi::Env;
use napi_derive::napi;
use ring::hmac;

use crate::address;
use crate::errors::{IntoNapi, QuicError, QuicResult};

const TOKEN_VERSION: u8 = 1;
const TAG_LEN: usize = 32;

/// Mints and checks address validation tokens with one secret key.
#[napi]
pub struct TokenKey {
    key: hmac::Key,
    lifetime_ms: u64,
}

/// Why a token was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    Malformed,
    BadTag,
    Expired,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl TokenKey {
    pub fn from_secret(secret: &[u8], lifetime_ms: u64) -> Self {
        TokenKey {
            key: hmac::Key::new(hmac::HMAC_SHA256, secret),
            lifetime_ms,
        }
    }

    fn tag(&self, body: &[u8], addr: &[u8]) -> hmac::Tag {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(body);
        ctx.update(addr);
        ctx.sign()
    }

    pub fn mint_at(&self, odcid: &[u8], addr: &[u8], now: u64) -> Vec<u8> {
        let mut t = Vec::with_capacity(10 + odcid.len() + TAG_LEN);
        t.push(TOKEN_VERSION);
        t.extend_from_slice(&now.to_be_bytes());
        t.push(odcid.len() as u8);
        t.extend_from_slice(odcid);
        let tag = self.tag(&t, addr);
        t.extend_from_slice(tag.as_ref());
        t
    }

    /// The original destination connection id the token carries, if it is authentic, bound to
    /// `addr` and not expired at `now`.
    pub fn validate_at(&self, token: &[u8], addr: &[u8], now: u64) -> Result<Vec<u8>, TokenError> {
        if token.len() < 10 + TAG_LEN || token[0] != TOKEN_VERSION {
            return Err(TokenError::Malformed);
        }
        let cid_len = token[9] as usize;
        if cid_len > quiche::MAX_CONN_ID_LEN || token.len() != 10 + cid_len + TAG_LEN {
            return Err(TokenError::Malformed);
        }
        let (body, tag) = token.split_at(10 + cid_len);
        let mut ctx_body = Vec::with_capacity(body.len() + addr.len());
        ctx_body.extend_from_slice(body);
        ctx_body.extend_from_slice(addr);
        hmac::verify(&self.key, &ctx_body, tag).map_err(|_| TokenError::BadTag)?;
        let issued = u64::from_be_bytes(body[1..9].try_into().map_err(|_| TokenError::Malformed)?);
        // A token from the future (clock moved back) is as unusable as an expired one.
        if issued > now.saturating_add(1000) || now.saturating_sub(issued) > self.lifetime_ms {
            return Err(TokenError::Expired);
        }
        Ok(body[10..].to_vec())
    }
}

fn check_addr(addr: &[u8]) -> QuicResult<()> {
    address::decode(addr, "address").map(|_| ())
}

#[napi]
impl TokenKey {
    /// `secret`: the HMAC key (random 32 bytes when omitted; share one between servers that
    /// accept each other's tokens). `lifetime`: how long a token stays valid, in ms (default 10 s).
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, secret: Option<Buffer>, lifetime: Option<f64>) -> napi::Result<Self> {
        let lifetime = lifetime.unwrap_or(10_000.0);
        if !(lifetime.is_finite() && lifetime > 0.0) {
            return Err(QuicError::config(
                "lifetime",
                "token lifetime must be a positive number of ms",
            )
            .throw(&env));
        }
        let secret = match secret {
            Some(s) if s.is_empty() => {
                return Err(QuicError::config("secret", "the token secret is empty").throw(&env));
            }
            Some(s) => s.to_vec(),
            None => crate::packet::random_bytes(32),
        };
        Ok(TokenKey::from_secret(&secret, lifetime as u64))
    }

    /// A token for the client at `address` (encoded) whose first Initial had `odcid` as its DCID.
    #[napi(catch_unwind)]
    pub fn mint(
        &self,
        env: Env,
        odcid: &[u8],
        address: &[u8],
        now: Option<f64>,
    ) -> napi::Result<Buffer> {
        check_addr(address).napi(&env)?;
        if odcid.len() > quiche::MAX_CONN_ID_LEN {
            return Err(
                QuicError::argument("odcid", "a connection id is at most 20 bytes").throw(&env),
            );
        }
        Ok(self
            .mint_at(odcid, address, now.map(|n| n as u64).unwrap_or_else(now_ms))
            .into())
    }

    /// The original DCID inside `token` if it is authentic, was minted for `address` and has not
    /// expired; `null` otherwise (the server then closes with INVALID_TOKEN).
    #[napi(catch_unwind)]
    pub fn validate(
        &self,
        env: Env,
        token: &[u8],
        address: &[u8],
        now: Option<f64>,
    ) -> napi::Result<Option<Buffer>> {
        check_addr(address).napi(&env)?;
        let now = now.map(|n| n as u64).unwrap_or_else(now_ms);
        Ok(self.validate_at(token, address, now).ok().map(Into::into))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: [u8; 6] = [127, 0, 0, 1, 0x11, 0x51];
    const B: [u8; 6] = [127, 0, 0, 1, 0x11, 0x52];

    #[test]
    fn accepts_own_token_for_same_address() {
        let k = TokenKey::from_secret(b"secret", 10_000);
        let t = k.mint_at(b"odcid", &A, 1_000);
        assert_eq!(k.validate_at(&t, &A, 5_000).unwrap(), b"odcid");
    }

    #[test]
    fn refuses_other_port_forgery_and_expiry() {
        let k = TokenKey::from_secret(b"secret", 10_000);
        let t = k.mint_at(b"odcid", &A, 1_000);
        assert_eq!(k.validate_at(&t, &B, 1_000), Err(TokenError::BadTag));
        assert_eq!(k.validate_at(&t, &A, 11_001), Err(TokenError::Expired));
        let mut forged = t.clone();
        forged[12] ^= 1;
        assert_eq!(k.validate_at(&forged, &A, 1_000), Err(TokenError::BadTag));
        let other = TokenKey::from_secret(b"other", 10_000);
        assert_eq!(other.validate_at(&t, &A, 1_000), Err(TokenError::BadTag));
        assert_eq!(
            k.validate_at(&t[..20], &A, 1_000),
            Err(TokenError::Malformed)
        );
    }
}
