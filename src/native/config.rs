//! `Config`: one quiche configuration (TLS context plus transport parameters), built from one
//! plain options object in one call. The JS layer owns the defaults; a field left out here keeps
//! quiche's own default, except where noted.

use std::sync::Arc;

use napi::bindgen_prelude::{Buffer, Either};
use napi::Env;
use napi_derive::napi;

use crate::errors::{IntoNapi, QuicError, QuicResult};
use crate::keylog::SharedWriter;
use crate::tls::{build_context, TlsOptions};

/// One PEM, or several: a string or bytes each.
pub type PemInput = Either<Either<String, Buffer>, Vec<Either<String, Buffer>>>;

/// Every option of a `Config`. Integers are JS numbers; sizes in bytes, times in milliseconds.
#[napi(object)]
#[derive(Default)]
pub struct ConfigOptions {
    /// Private keys (PEM), one per certificate chain.
    #[napi(ts_type = "string | Uint8Array | Array<string | Uint8Array>")]
    pub key: Option<PemInput>,
    /// Certificate chains (PEM, leaf first), one per key. With several, a server picks by SNI
    /// and by the key types the client can verify.
    #[napi(ts_type = "string | Uint8Array | Array<string | Uint8Array>")]
    pub cert: Option<PemInput>,
    /// Trusted CA certificates (PEM; one string may hold several).
    #[napi(ts_type = "string | Uint8Array | Array<string | Uint8Array>")]
    pub ca: Option<PemInput>,
    /// Load the system trust store. Default: on when `verifyPeer` is on and no `ca` is given.
    pub ca_system: Option<bool>,
    /// Verify the peer's certificate chain (and, for clients, the server name). Default: off.
    pub verify_peer: Option<bool>,
    /// With `verifyPeer`: request the peer's chain but let the handshake finish whatever its
    /// verification says, so the JS side can judge it. Default: off.
    pub verify_allow_fail: Option<bool>,
    /// Signature algorithms, e.g. `"ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256:ed25519"`.
    pub sigalgs: Option<String>,
    /// ALPN protocols, most preferred first.
    pub application_protos: Option<Vec<String>>,
    /// Append TLS secrets in NSS key log format to this file, shared by every connection.
    pub log_keys: Option<String>,
    pub grease: Option<bool>,
    pub max_idle_timeout: Option<f64>,
    pub max_recv_udp_payload_size: Option<f64>,
    pub max_send_udp_payload_size: Option<f64>,
    pub initial_max_data: Option<f64>,
    pub initial_max_stream_data_bidi_local: Option<f64>,
    pub initial_max_stream_data_bidi_remote: Option<f64>,
    pub initial_max_stream_data_uni: Option<f64>,
    pub initial_max_streams_bidi: Option<f64>,
    pub initial_max_streams_uni: Option<f64>,
    pub ack_delay_exponent: Option<f64>,
    pub max_ack_delay: Option<f64>,
    pub active_connection_id_limit: Option<f64>,
    pub disable_active_migration: Option<bool>,
    pub max_connection_window: Option<f64>,
    pub max_stream_window: Option<f64>,
    /// `"reno"`, `"cubic"` or `"bbr2"` (also `"bbr2_gcongestion"`).
    pub cc_algorithm: Option<String>,
    pub initial_congestion_window_packets: Option<f64>,
    pub enable_hystart: Option<bool>,
    pub enable_pacing: Option<bool>,
    /// Maximum pacing rate in bytes per second.
    pub max_pacing_rate: Option<f64>,
    pub discover_pmtu: Option<bool>,
    /// Enable DATAGRAM frames.
    pub enable_dgram: Option<bool>,
    pub dgram_recv_queue_len: Option<f64>,
    pub dgram_send_queue_len: Option<f64>,
    pub enable_early_data: Option<bool>,
    /// 48 bytes: the key that encrypts session tickets, shared by servers that resume each other's sessions.
    pub ticket_key: Option<Buffer>,
    pub max_amplification_factor: Option<f64>,
    pub initial_rtt: Option<f64>,
    pub disable_dcid_reuse: Option<bool>,
    /// Length of the connection ids this endpoint issues (1..=20). Default: 20.
    pub connection_id_length: Option<f64>,
    /// Key from which stateless reset tokens are derived (any length; 32 random bytes by default).
    pub stateless_reset_key: Option<Buffer>,
}

/// A quiche configuration plus what every connection made from it shares.
#[napi]
pub struct Config {
    pub(crate) inner: quiche::Config,
    pub(crate) cid_len: usize,
    pub(crate) reset_key: Arc<ring::hmac::Key>,
    pub(crate) keylog: Option<SharedWriter>,
}

fn pems(field: &'static str, input: Option<&PemInput>) -> QuicResult<Vec<Vec<u8>>> {
    let one = |p: &Either<String, Buffer>| match p {
        Either::A(s) => s.as_bytes().to_vec(),
        Either::B(b) => b.to_vec(),
    };
    let list = match input {
        None => Vec::new(),
        Some(Either::A(p)) => vec![one(p)],
        Some(Either::B(list)) => list.iter().map(one).collect(),
    };
    if list.iter().any(|p| p.is_empty()) {
        return Err(QuicError::pem(field, format!("{field} holds an empty PEM")));
    }
    Ok(list)
}

/// Reads an integer option, rejecting fractions, negatives and values past `max`.
fn int(field: &'static str, v: Option<f64>, max: u64) -> QuicResult<Option<u64>> {
    match v {
        None => Ok(None),
        Some(x) if x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x <= max as f64 => {
            Ok(Some(x as u64))
        }
        Some(x) => Err(QuicError::config(
            field,
            format!("{field} must be an integer from 0 to {max}, not {x}"),
        )),
    }
}

const VARINT_MAX: u64 = (1 << 62) - 1;

impl Config {
    pub fn from_options(opts: &ConfigOptions) -> QuicResult<Config> {
        let keys = pems("key", opts.key.as_ref())?;
        let certs = pems("cert", opts.cert.as_ref())?;
        let ca = pems("ca", opts.ca.as_ref())?;
        let verify_peer = opts.verify_peer.unwrap_or(false);
        let tls = TlsOptions {
            ca_system: opts.ca_system.unwrap_or(verify_peer && ca.is_empty()),
            keys,
            certs,
            ca,
            verify_peer,
            verify_allow_fail: opts.verify_allow_fail.unwrap_or(false),
            sigalgs: opts.sigalgs.clone(),
        };
        let builder = build_context(&tls)?;

        let keylog = match &opts.log_keys {
            Some(path) => {
                let w = SharedWriter::append(path).map_err(|e| QuicError {
                    field: Some("logKeys"),
                    ..QuicError::new(
                        crate::errors::ErrorCode::Io,
                        format!("cannot open key log {path:?}: {e}"),
                    )
                })?;
                Some(w)
            }
            None => None,
        };

        let mut c = quiche::Config::with_boring_ssl_ctx_builder(quiche::PROTOCOL_VERSION, builder)?;
        if keylog.is_some() {
            // Installs quiche's key log callback, which writes to each connection's `set_keylog` writer.
            c.log_keys();
        }
        if let Some(protos) = &opts.application_protos {
            if protos.iter().any(|p| p.is_empty() || p.len() > 255) {
                return Err(QuicError::config(
                    "applicationProtos",
                    "each ALPN protocol must be 1 to 255 bytes",
                ));
            }
            let list: Vec<&[u8]> = protos.iter().map(|p| p.as_bytes()).collect();
            c.set_application_protos(&list)
                .map_err(|_| QuicError::config("applicationProtos", "ALPN protocols rejected"))?;
        }
        if let Some(v) = opts.grease {
            c.grease(v);
        }
        if let Some(v) = int("maxIdleTimeout", opts.max_idle_timeout, VARINT_MAX)? {
            c.set_max_idle_timeout(v);
        }
        if let Some(v) = int(
            "maxRecvUdpPayloadSize",
            opts.max_recv_udp_payload_size,
            65527,
        )? {
            if v < 1200 {
                return Err(QuicError::config(
                    "maxRecvUdpPayloadSize",
                    "maxRecvUdpPayloadSize must be at least 1200",
                ));
            }
            c.set_max_recv_udp_payload_size(v as usize);
        }
        if let Some(v) = int(
            "maxSendUdpPayloadSize",
            opts.max_send_udp_payload_size,
            65527,
        )? {
            if v < 1200 {
                return Err(QuicError::config(
                    "maxSendUdpPayloadSize",
                    "maxSendUdpPayloadSize must be at least 1200",
                ));
            }
            c.set_max_send_udp_payload_size(v as usize);
        }
        if let Some(v) = int("initialMaxData", opts.initial_max_data, VARINT_MAX)? {
            c.set_initial_max_data(v);
        }
        if let Some(v) = int(
            "initialMaxStreamDataBidiLocal",
            opts.initial_max_stream_data_bidi_local,
            VARINT_MAX,
        )? {
            c.set_initial_max_stream_data_bidi_local(v);
        }
        if let Some(v) = int(
            "initialMaxStreamDataBidiRemote",
            opts.initial_max_stream_data_bidi_remote,
            VARINT_MAX,
        )? {
            c.set_initial_max_stream_data_bidi_remote(v);
        }
        if let Some(v) = int(
            "initialMaxStreamDataUni",
            opts.initial_max_stream_data_uni,
            VARINT_MAX,
        )? {
            c.set_initial_max_stream_data_uni(v);
        }
        if let Some(v) = int(
            "initialMaxStreamsBidi",
            opts.initial_max_streams_bidi,
            1 << 60,
        )? {
            c.set_initial_max_streams_bidi(v);
        }
        if let Some(v) = int(
            "initialMaxStreamsUni",
            opts.initial_max_streams_uni,
            1 << 60,
        )? {
            c.set_initial_max_streams_uni(v);
        }
        if let Some(v) = int("ackDelayExponent", opts.ack_delay_exponent, 20)? {
            c.set_ack_delay_exponent(v);
        }
        if let Some(v) = int("maxAckDelay", opts.max_ack_delay, (1 << 14) - 1)? {
            c.set_max_ack_delay(v);
        }
        if let Some(v) = int(
            "activeConnectionIdLimit",
            opts.active_connection_id_limit,
            VARINT_MAX,
        )? {
            if v < 2 {
                return Err(QuicError::config(
                    "activeConnectionIdLimit",
                    "activeConnectionIdLimit must be at least 2",
                ));
            }
            c.set_active_connection_id_limit(v);
        }
        if let Some(v) = opts.disable_active_migration {
            c.set_disable_active_migration(v);
        }
        if let Some(v) = int(
            "maxConnectionWindow",
            opts.max_connection_window,
            VARINT_MAX,
        )? {
            c.set_max_connection_window(v);
        }
        if let Some(v) = int("maxStreamWindow", opts.max_stream_window, VARINT_MAX)? {
            c.set_max_stream_window(v);
        }
        if let Some(name) = &opts.cc_algorithm {
            c.set_cc_algorithm_name(name).map_err(|_| {
                QuicError::config(
                    "ccAlgorithm",
                    format!("unknown congestion controller {name:?} (reno, cubic, bbr2)"),
                )
            })?;
        }
        if let Some(v) = int(
            "initialCongestionWindowPackets",
            opts.initial_congestion_window_packets,
            1 << 20,
        )? {
            c.set_initial_congestion_window_packets(v as usize);
        }
        if let Some(v) = opts.enable_hystart {
            c.enable_hystart(v);
        }
        if let Some(v) = opts.enable_pacing {
            c.enable_pacing(v);
        }
        if let Some(v) = int("maxPacingRate", opts.max_pacing_rate, u64::MAX >> 11)? {
            c.set_max_pacing_rate(v);
        }
        if let Some(v) = opts.discover_pmtu {
            c.discover_pmtu(v);
        }
        let dgram = opts.enable_dgram.unwrap_or(false);
        let recv_len =
            int("dgramRecvQueueLen", opts.dgram_recv_queue_len, 1 << 20)?.unwrap_or(1024);
        let send_len =
            int("dgramSendQueueLen", opts.dgram_send_queue_len, 1 << 20)?.unwrap_or(1024);
        c.enable_dgram(dgram, recv_len as usize, send_len as usize);
        if opts.enable_early_data.unwrap_or(false) {
            c.enable_early_data();
        }
        if let Some(key) = &opts.ticket_key {
            if key.len() != 48 {
                return Err(QuicError::config(
                    "ticketKey",
                    format!("ticketKey must be 48 bytes, not {}", key.len()),
                ));
            }
            c.set_ticket_key(key)
                .map_err(|_| QuicError::config("ticketKey", "ticketKey rejected"))?;
        }
        if let Some(v) = int(
            "maxAmplificationFactor",
            opts.max_amplification_factor,
            1000,
        )? {
            c.set_max_amplification_factor(v as usize);
        }
        if let Some(v) = opts.initial_rtt {
            if !(v.is_finite() && v > 0.0) {
                return Err(QuicError::config(
                    "initialRtt",
                    "initialRtt must be a positive number of milliseconds",
                ));
            }
            c.set_initial_rtt(std::time::Duration::from_secs_f64(v / 1000.0));
        }
        if let Some(v) = opts.disable_dcid_reuse {
            c.set_disable_dcid_reuse(v);
        }
        let cid_len = int(
            "connectionIdLength",
            opts.connection_id_length,
            quiche::MAX_CONN_ID_LEN as u64,
        )?
        .unwrap_or(quiche::MAX_CONN_ID_LEN as u64) as usize;
        if cid_len == 0 {
            return Err(QuicError::config(
                "connectionIdLength",
                "connectionIdLength must be 1 to 20",
            ));
        }
        let reset_key = match &opts.stateless_reset_key {
            Some(k) if !k.is_empty() => k.to_vec(),
            Some(_) => {
                return Err(QuicError::config(
                    "statelessResetKey",
                    "statelessResetKey is empty",
                ))
            }
            None => crate::packet::random_bytes(32),
        };
        Ok(Config {
            inner: c,
            cid_len,
            reset_key: Arc::new(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &reset_key)),
            keylog,
        })
    }
}

/// The stateless reset token (RFC 9000 §10.3.2) of a connection id: derived from the key, so a
/// restarted endpoint that keeps the key can still reset connections it lost.
pub fn reset_token(key: &ring::hmac::Key, cid: &[u8]) -> u128 {
    let tag = ring::hmac::sign(key, cid);
    let mut t = [0u8; 16];
    t.copy_from_slice(&tag.as_ref()[..16]);
    u128::from_be_bytes(t)
}

#[napi]
impl Config {
    /// Builds the configuration; throws `ERR_QUIC_INVALID_CONFIG` or `ERR_QUIC_INVALID_PEM` naming the field.
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, options: Option<ConfigOptions>) -> napi::Result<Self> {
        Config::from_options(&options.unwrap_or_default()).napi(&env)
    }

    /// The length of the connection ids this endpoint issues.
    #[napi(getter)]
    pub fn connection_id_length(&self) -> u32 {
        self.cid_len as u32
    }
}
