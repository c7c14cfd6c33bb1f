//! Stateless packet work: header parsing, version negotiation, Retry, connection ids.

use napi::bindgen_prelude::Buffer;
use napi::Env;
use napi_derive::napi;

use crate::buffers::MutBytes;
use rand::RngCore;

use crate::errors::{IntoNapi, QuicError, QuicResult};

/// The first packet header of a datagram.
#[napi(object)]
pub struct Header {
    /// `"initial"`, `"retry"`, `"handshake"`, `"zeroRtt"`, `"versionNegotiation"` or `"short"`.
    #[napi(js_name = "type")]
    pub ty: String,
    pub version: u32,
    pub dcid: Buffer,
    pub scid: Buffer,
    /// The address validation token of an Initial (empty when none), or the Retry token.
    pub token: Option<Buffer>,
    /// The versions listed by a Version Negotiation packet.
    pub versions: Option<Vec<u32>>,
}

pub fn type_name(ty: quiche::Type) -> &'static str {
    match ty {
        quiche::Type::Initial => "initial",
        quiche::Type::Retry => "retry",
        quiche::Type::Handshake => "handshake",
        quiche::Type::ZeroRTT => "zeroRtt",
        quiche::Type::VersionNegotiation => "versionNegotiation",
        quiche::Type::Short => "short",
    }
}

pub fn parse(data: &mut [u8], dcid_len: usize) -> QuicResult<Header> {
    if dcid_len > quiche::MAX_CONN_ID_LEN {
        return Err(QuicError::argument(
            "dcidLength",
            "a connection id is at most 20 bytes",
        ));
    }
    let hdr = quiche::Header::from_slice(data, dcid_len).map_err(|_| {
        QuicError::new(
            crate::errors::ErrorCode::InvalidPacket,
            "the datagram does not start with a QUIC header",
        )
    })?;
    Ok(Header {
        ty: type_name(hdr.ty).to_string(),
        version: hdr.version,
        dcid: hdr.dcid.as_ref().to_vec().into(),
        scid: hdr.scid.as_ref().to_vec().into(),
        token: hdr.token.map(Into::into),
        versions: hdr.versions,
    })
}

/// Parses the first header of a datagram. `dcidLength` is the length of this endpoint's
/// connection ids (short headers do not carry it). Throws `ERR_QUIC_INVALID_PACKET`.
#[napi(js_name = "parseHeader", catch_unwind)]
pub fn parse_header(
    env: Env,
    #[napi(ts_arg_type = "Uint8Array")] data: MutBytes<'_>,
    dcid_length: u32,
) -> napi::Result<Header> {
    parse(data, dcid_length as usize).napi(&env)
}

/// Whether this library speaks the QUIC version.
#[napi(js_name = "versionIsSupported")]
pub fn version_is_supported(version: u32) -> bool {
    quiche::version_is_supported(version)
}

/// The QUIC version this library offers.
#[napi(js_name = "PROTOCOL_VERSION")]
pub const PROTOCOL_VERSION: u32 = quiche::PROTOCOL_VERSION;

/// The largest connection id length.
#[napi(js_name = "MAX_CONN_ID_LEN")]
pub const MAX_CONN_ID_LEN: u32 = quiche::MAX_CONN_ID_LEN as u32;

/// The least a client's first Initial datagram is padded to (RFC 9000 §14.1).
#[napi(js_name = "MIN_CLIENT_INITIAL_LEN")]
pub const MIN_CLIENT_INITIAL_LEN: u32 = quiche::MIN_CLIENT_INITIAL_LEN as u32;

fn cid<'a>(bytes: &'a [u8], field: &'static str) -> QuicResult<quiche::ConnectionId<'a>> {
    if bytes.len() > quiche::MAX_CONN_ID_LEN {
        return Err(QuicError::argument(
            field,
            format!("{field} is {} bytes; at most 20", bytes.len()),
        ));
    }
    Ok(quiche::ConnectionId::from_ref(bytes))
}

pub fn write_version_negotiation(scid: &[u8], dcid: &[u8], out: &mut [u8]) -> QuicResult<usize> {
    Ok(quiche::negotiate_version(
        &cid(scid, "scid")?,
        &cid(dcid, "dcid")?,
        out,
    )?)
}

/// Writes a Version Negotiation packet answering a packet with header `scid`/`dcid` (as
/// received: the answer swaps them). Returns its length.
#[napi(js_name = "negotiateVersion", catch_unwind)]
pub fn negotiate_version(
    env: Env,
    scid: &[u8],
    dcid: &[u8],
    #[napi(ts_arg_type = "Uint8Array")] out: MutBytes<'_>,
) -> napi::Result<u32> {
    write_version_negotiation(scid, dcid, out)
        .map(|n| n as u32)
        .napi(&env)
}

pub fn write_retry(
    scid: &[u8],
    dcid: &[u8],
    new_scid: &[u8],
    token: &[u8],
    version: u32,
    out: &mut [u8],
) -> QuicResult<usize> {
    if !quiche::version_is_supported(version) {
        return Err(QuicError::new(
            crate::errors::ErrorCode::UnknownVersion,
            format!("version {version:#x}"),
        ));
    }
    Ok(quiche::retry(
        &cid(scid, "scid")?,
        &cid(dcid, "dcid")?,
        &cid(new_scid, "newScid")?,
        token,
        version,
        out,
    )?)
}

/// Writes a Retry packet for a client Initial whose header had `scid`/`dcid`, telling the client
/// to come back to `newScid` with `token`. Returns its length.
#[napi(js_name = "retry", catch_unwind)]
pub fn retry(
    env: Env,
    scid: &[u8],
    dcid: &[u8],
    new_scid: &[u8],
    token: &[u8],
    version: u32,
    #[napi(ts_arg_type = "Uint8Array")] out: MutBytes<'_>,
) -> napi::Result<u32> {
    write_retry(scid, dcid, new_scid, token, version, out)
        .map(|n| n as u32)
        .napi(&env)
}

pub fn random_bytes(len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    rand::rng().fill_bytes(&mut v);
    v
}

/// A random connection id of `length` bytes (default 20).
#[napi(js_name = "generateConnectionId", catch_unwind)]
pub fn generate_connection_id(env: Env, length: Option<u32>) -> napi::Result<Buffer> {
    let len = length.unwrap_or(quiche::MAX_CONN_ID_LEN as u32) as usize;
    if len == 0 || len > quiche::MAX_CONN_ID_LEN {
        return Err(QuicError::argument("length", "a connection id is 1 to 20 bytes").throw(&env));
    }
    Ok(random_bytes(len).into())
}
