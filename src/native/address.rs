//! Socket addresses across the boundary.
//!
//! On the hot path an address is a byte string: 4 address bytes then the port (big endian) for
//! IPv4 (6 bytes), 16 address bytes then the port for IPv6 (18 bytes). The JS side encodes an
//! address once and reuses the bytes, so no call parses a string. IPv4-mapped IPv6 addresses
//! stay IPv6, as a dual-stack socket reports and expects them.
//! Off the hot path (stats, path events) addresses are `{ host, port }` objects.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use napi_derive::napi;

use crate::errors::{QuicError, QuicResult};

pub fn decode(bytes: &[u8], field: &'static str) -> QuicResult<SocketAddr> {
    match bytes.len() {
        6 => Ok(SocketAddr::new(
            IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3])),
            u16::from_be_bytes([bytes[4], bytes[5]]),
        )),
        18 => {
            let mut ip = [0u8; 16];
            ip.copy_from_slice(&bytes[..16]);
            Ok(SocketAddr::new(
                IpAddr::V6(Ipv6Addr::from(ip)),
                u16::from_be_bytes([bytes[16], bytes[17]]),
            ))
        }
        n => Err(QuicError::argument(
            field,
            format!("an encoded address is 6 (IPv4) or 18 (IPv6) bytes, not {n}"),
        )),
    }
}

pub fn encode(addr: &SocketAddr) -> Vec<u8> {
    let mut out = match addr.ip() {
        IpAddr::V4(ip) => ip.octets().to_vec(),
        IpAddr::V6(ip) => ip.octets().to_vec(),
    };
    out.extend_from_slice(&addr.port().to_be_bytes());
    out
}

/// A socket address as JS sees it off the hot path.
#[napi(object)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostPort {
    /// The IP address in its canonical text form (no brackets).
    pub host: String,
    pub port: u32,
}

impl From<&SocketAddr> for HostPort {
    fn from(addr: &SocketAddr) -> Self {
        HostPort {
            host: addr.ip().to_string(),
            port: u32::from(addr.port()),
        }
    }
}

/// Encodes `{ host, port }` (an IP literal, not a name) into the compact form.
#[napi(js_name = "encodeAddress")]
pub fn encode_address(
    env: napi::Env,
    host: String,
    port: u32,
) -> napi::Result<napi::bindgen_prelude::Buffer> {
    use crate::errors::IntoNapi;
    parse_host_port(&host, port)
        .map(|a| encode(&a).into())
        .napi(&env)
}

/// Decodes the compact form into `{ host, port }`.
#[napi(js_name = "decodeAddress")]
pub fn decode_address(env: napi::Env, bytes: &[u8]) -> napi::Result<HostPort> {
    use crate::errors::IntoNapi;
    decode(bytes, "address")
        .map(|a| HostPort::from(&a))
        .napi(&env)
}

pub fn parse_host_port(host: &str, port: u32) -> QuicResult<SocketAddr> {
    let ip: IpAddr = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .map_err(|_| QuicError::argument("host", format!("{host:?} is not an IP address")))?;
    let port = u16::try_from(port)
        .map_err(|_| QuicError::argument("port", format!("port {port} is out of range")))?;
    Ok(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_v4_v6_and_mapped() {
        for s in ["127.0.0.1:4433", "[::1]:1", "[::ffff:10.0.0.1]:65535"] {
            let a: SocketAddr = s.parse().unwrap();
            assert_eq!(decode(&encode(&a), "a").unwrap(), a);
        }
    }

    #[test]
    fn rejects_bad_lengths_and_hosts() {
        assert_eq!(decode(&[1, 2, 3], "from").unwrap_err().field, Some("from"));
        assert!(parse_host_port("localhost", 1).is_err());
        assert!(parse_host_port("::1", 70000).is_err());
    }
}
