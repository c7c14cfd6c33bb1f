//! `Connection`: one quiche connection, I/O-free. The JS side feeds it datagrams and timer
//! expiries and pulls out packets, a deadline and what changed.
//!
//! Call order for the driver, after any input (`recv`, `onTimeout`, a stream or datagram write):
//! 1. `poll()` — what changed: streams opened, readable, writable, connection ids, paths, state;
//! 2. `send(out, meta)` until it returns fewer packets than `meta` has room for;
//! 3. `timeout()` — re-arm the connection's one timer if the deadline moved.
//!
//! `quiche::Error::Done` is never thrown: each method documents the value that stands for it.

use std::net::SocketAddr;
use std::sync::Arc;

use napi::bindgen_prelude::Buffer;
use napi::Env;
use napi_derive::napi;

use crate::buffers::MutBytes;

use crate::address::{self, HostPort};
use crate::config::{reset_token, Config};
use crate::errors::{ErrorCode, IntoNapi, QuicError, QuicResult};
use crate::keylog::SharedWriter;
use crate::packet::random_bytes;
use crate::stats::{self, ConnectionStats, PathStats};

mod poll;
mod send;
mod streams;

pub use poll::{poll_layout, poll_slots, ConnectionEvents, PathEvent, PollExtras, PollLayout};
pub use streams::StreamChunk;

/// How many destination addresses a `send` batch may name before the table is reset.
const DEST_TABLE_RESET: usize = 4;
/// Connection ids issued ahead to the peer, beyond the one in use (the peer caps it further).
const SPARE_SCIDS: usize = 3;

/// A CONNECTION_CLOSE as sent or received.
#[napi(object)]
pub struct ConnectionError {
    /// An application close (true) or a transport close (false).
    pub is_app: bool,
    pub error_code: f64,
    pub reason: Buffer,
}

#[napi]
pub struct Connection {
    conn: quiche::Connection,
    local: SocketAddr,
    cid_len: usize,
    reset_key: Arc<ring::hmac::Key>,
    dests: Vec<SocketAddr>,
    dest_generation: u32,
    next_local_bidi: u64,
    next_local_uni: u64,
    next_peer_bidi: u64,
    next_peer_uni: u64,
    scids_issued: Vec<Buffer>,
    dropped_sends: u64,
    /// Stream ids (opened, readable, writable) `pollInto` found but had no room for: handed out
    /// first by the next call. Kept between calls so their memory is reused.
    backlog: [std::collections::VecDeque<u64>; 3],
    /// Connection ids and path events `pollInto` left for `pollExtras`.
    extras: Option<PollExtras>,
    /// STOP_SENDING codes of the streams a poll reported stopped, until `takeStopCode`. Finding
    /// the stop (`stream_capacity`) may let quiche collect the stream, so the code is kept here.
    stop_codes: Vec<(u64, u64)>,
    /// The fast calls' name for this connection (`handle()`), freed with it.
    handle: Option<f64>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        if let Some(h) = self.handle {
            crate::handles::release(h);
        }
    }
}

fn check_cid(bytes: &[u8], field: &'static str) -> QuicResult<()> {
    if bytes.is_empty() || bytes.len() > quiche::MAX_CONN_ID_LEN {
        return Err(QuicError::argument(
            field,
            format!("{field} must be 1 to 20 bytes, not {}", bytes.len()),
        ));
    }
    Ok(())
}

fn stream_id_of(id: f64) -> QuicResult<u64> {
    if id.is_finite() && id >= 0.0 && id.fract() == 0.0 && id < (1u64 << 62) as f64 {
        Ok(id as u64)
    } else {
        Err(QuicError::argument(
            "streamId",
            format!("{id} is not a stream id"),
        ))
    }
}

fn app_code(code: f64, field: &'static str) -> QuicResult<u64> {
    if code.is_finite() && code >= 0.0 && code.fract() == 0.0 && code < (1u64 << 62) as f64 {
        Ok(code as u64)
    } else {
        Err(QuicError::argument(
            field,
            format!("{code} is not a QUIC error code (0 to 2^62-1)"),
        ))
    }
}

/// Maps quiche's `Done` to `None` and every other error to a `QuicError`.
fn done_as_none<T>(r: quiche::Result<T>) -> QuicResult<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(quiche::Error::Done) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

impl Connection {
    fn wrap(conn: quiche::Connection, local: SocketAddr, config: &Config, is_server: bool) -> Self {
        let mut c = Connection {
            conn,
            local,
            cid_len: config.cid_len,
            reset_key: config.reset_key.clone(),
            dests: Vec::with_capacity(DEST_TABLE_RESET),
            dest_generation: 0,
            // RFC 9000 §2.1: the low bit says who opened it, the next one whether it is uni.
            next_local_bidi: if is_server { 1 } else { 0 },
            next_local_uni: if is_server { 3 } else { 2 },
            next_peer_bidi: if is_server { 0 } else { 1 },
            next_peer_uni: if is_server { 2 } else { 3 },
            scids_issued: Vec::new(),
            dropped_sends: 0,
            backlog: Default::default(),
            extras: None,
            stop_codes: Vec::new(),
            handle: None,
        };
        if let Some(w) = &config.keylog {
            c.conn.set_keylog(Box::new(w.clone()));
        }
        c
    }

    pub fn accept_raw(
        config: &mut Config,
        scid: &[u8],
        odcid: Option<&[u8]>,
        local: &[u8],
        peer: &[u8],
    ) -> QuicResult<Self> {
        check_cid(scid, "scid")?;
        if let Some(o) = odcid {
            check_cid(o, "odcid")?;
        }
        let local = address::decode(local, "local")?;
        let peer = address::decode(peer, "peer")?;
        let scid = quiche::ConnectionId::from_ref(scid);
        let odcid = odcid.map(quiche::ConnectionId::from_ref);
        let conn = quiche::accept(&scid, odcid.as_ref(), local, peer, &mut config.inner)?;
        Ok(Connection::wrap(conn, local, config, true))
    }

    pub fn connect_raw(
        config: &mut Config,
        server_name: Option<&str>,
        scid: &[u8],
        local: &[u8],
        peer: &[u8],
        session: Option<&[u8]>,
    ) -> QuicResult<Self> {
        check_cid(scid, "scid")?;
        let local = address::decode(local, "local")?;
        let peer = address::decode(peer, "peer")?;
        if server_name.is_some_and(|n| n.is_empty() || n.len() > 255 || n.contains('\0')) {
            return Err(QuicError::argument(
                "serverName",
                "serverName must be 1 to 255 bytes without NUL",
            ));
        }
        let scid = quiche::ConnectionId::from_ref(scid);
        let mut conn = quiche::connect(server_name, &scid, local, peer, &mut config.inner)?;
        if let Some(s) = session {
            // A stale or foreign ticket only costs the resumption: the handshake goes on in full.
            conn.set_session(s).map_err(|_| {
                QuicError::argument("session", "the session ticket cannot be parsed")
            })?;
        }
        Ok(Connection::wrap(conn, local, config, false))
    }

    pub fn recv_raw(
        &mut self,
        data: &mut [u8],
        from: &[u8],
        to: Option<&[u8]>,
    ) -> QuicResult<usize> {
        let from = address::decode(from, "from")?;
        let to = match to {
            Some(t) => address::decode(t, "to")?,
            None => self.local,
        };
        self.recv_on(data, from, to)
    }

    /// Feeds one datagram from `from` (received on the connection's local address) to quiche.
    pub fn recv_from(&mut self, data: &mut [u8], from: SocketAddr) -> QuicResult<usize> {
        self.recv_on(data, from, self.local)
    }

    fn recv_on(&mut self, data: &mut [u8], from: SocketAddr, to: SocketAddr) -> QuicResult<usize> {
        match self.conn.recv(data, quiche::RecvInfo { from, to }) {
            Ok(n) => Ok(n),
            // Nothing in the datagram could be used (e.g. undecryptable): it is dropped.
            Err(quiche::Error::Done) => Ok(0),
            Err(e) => Err(e.into()),
        }
    }

    pub fn inner(&self) -> &quiche::Connection {
        &self.conn
    }

    pub fn inner_mut(&mut self) -> &mut quiche::Connection {
        &mut self.conn
    }
}

#[napi]
impl Connection {
    /// A server connection for a client's first Initial. `scid`: the id this server answers
    /// with (after a Retry, the Retry's new id); `odcid`: the client's original DCID, taken from
    /// a validated Retry token. Addresses are encoded (see `encodeAddress`).
    #[napi(factory, catch_unwind)]
    pub fn accept(
        env: Env,
        config: &mut Config,
        scid: &[u8],
        odcid: Option<&[u8]>,
        local: &[u8],
        peer: &[u8],
    ) -> napi::Result<Self> {
        Connection::accept_raw(config, scid, odcid, local, peer).napi(&env)
    }

    /// A client connection. `serverName` is sent as SNI and checked against the server's
    /// certificate; `session` is a ticket from `session()` of an earlier connection (resumption, 0-RTT).
    #[napi(factory, catch_unwind)]
    pub fn connect(
        env: Env,
        config: &mut Config,
        server_name: Option<String>,
        scid: &[u8],
        local: &[u8],
        peer: &[u8],
        session: Option<&[u8]>,
    ) -> napi::Result<Self> {
        Connection::connect_raw(config, server_name.as_deref(), scid, local, peer, session)
            .napi(&env)
    }

    /// Processes one datagram received from `from` (on `to`, default: the connection's local
    /// address). Returns the bytes used (0: dropped). Decrypts in place. Throws when the datagram
    /// made the connection fail (the connection is then closing; see `localError`).
    #[napi(catch_unwind)]
    pub fn recv(
        &mut self,
        env: Env,
        #[napi(ts_arg_type = "Uint8Array")] data: MutBytes<'_>,
        from: &[u8],
        to: Option<&[u8]>,
    ) -> napi::Result<u32> {
        self.recv_raw(data, from, to).map(|n| n as u32).napi(&env)
    }

    /// The number the fast calls (`fast.pollInto(handle, ...)` and the rest) take for this
    /// connection; the same one every time. It names nothing once the connection is collected.
    #[napi]
    pub fn handle(&mut self, env: Env) -> napi::Result<f64> {
        if let Some(h) = self.handle {
            return Ok(h);
        }
        // napi-rs keeps `self` at this address until the JS object is collected (then Drop).
        let h = crate::handles::register(self as *mut Connection).ok_or_else(|| {
            QuicError::new(
                ErrorCode::Internal,
                "too many live connections on this thread",
            )
        });
        let h = h.napi(&env)?;
        self.handle = Some(h);
        Ok(h)
    }

    /// Milliseconds until `onTimeout` must be called; `null` when no timer is needed.
    #[napi]
    pub fn timeout(&self) -> Option<f64> {
        self.conn.timeout().map(|d| d.as_secs_f64() * 1000.0)
    }

    #[napi(catch_unwind)]
    pub fn on_timeout(&mut self) {
        self.conn.on_timeout();
    }

    /// Closes with an application (`app`) or transport error code and a reason; returns false if
    /// the connection was already closed or closing.
    #[napi(catch_unwind)]
    pub fn close(
        &mut self,
        env: Env,
        app: bool,
        code: f64,
        reason: Option<&[u8]>,
    ) -> napi::Result<bool> {
        let code = app_code(code, "code").napi(&env)?;
        let reason = reason.unwrap_or_default();
        done_as_none(self.conn.close(app, code, reason))
            .map(|r| r.is_some())
            .napi(&env)
    }

    #[napi]
    pub fn is_established(&self) -> bool {
        self.conn.is_established()
    }

    #[napi]
    pub fn is_resumed(&self) -> bool {
        self.conn.is_resumed()
    }

    #[napi]
    pub fn is_in_early_data(&self) -> bool {
        self.conn.is_in_early_data()
    }

    #[napi]
    pub fn is_readable(&self) -> bool {
        self.conn.is_readable()
    }

    #[napi]
    pub fn is_draining(&self) -> bool {
        self.conn.is_draining()
    }

    #[napi]
    pub fn is_closed(&self) -> bool {
        self.conn.is_closed()
    }

    #[napi]
    pub fn is_timed_out(&self) -> bool {
        self.conn.is_timed_out()
    }

    #[napi]
    pub fn is_server(&self) -> bool {
        self.conn.is_server()
    }

    /// The CONNECTION_CLOSE the peer sent, if any.
    #[napi]
    pub fn peer_error(&self) -> Option<ConnectionError> {
        self.conn.peer_error().map(to_js_error)
    }

    /// The CONNECTION_CLOSE this side sent (or will send), if any.
    #[napi]
    pub fn local_error(&self) -> Option<ConnectionError> {
        self.conn.local_error().map(to_js_error)
    }

    /// The peer's certificate chain, leaf first, DER.
    #[napi]
    pub fn peer_cert_chain(&self) -> Option<Vec<Buffer>> {
        self.conn
            .peer_cert_chain()
            .map(|c| c.into_iter().map(|d| d.to_vec().into()).collect())
    }

    /// The negotiated ALPN protocol (`null` if none).
    #[napi]
    pub fn application_proto(&self) -> Option<String> {
        let p = self.conn.application_proto();
        (!p.is_empty()).then(|| String::from_utf8_lossy(p).into_owned())
    }

    #[napi]
    pub fn server_name(&self) -> Option<String> {
        self.conn.server_name().map(str::to_string)
    }

    /// The session ticket to resume with later (clients, once the server sent one).
    #[napi]
    pub fn session(&self) -> Option<Buffer> {
        self.conn.session().map(|s| s.to_vec().into())
    }

    #[napi]
    pub fn source_id(&self) -> Buffer {
        self.conn.source_id().as_ref().to_vec().into()
    }

    /// Every active connection id of this side (each routes to this connection).
    #[napi]
    pub fn source_ids(&self) -> Vec<Buffer> {
        self.conn
            .source_ids()
            .map(|c| c.as_ref().to_vec().into())
            .collect()
    }

    #[napi]
    pub fn destination_id(&self) -> Buffer {
        self.conn.destination_id().as_ref().to_vec().into()
    }

    #[napi]
    pub fn max_send_udp_payload_size(&self) -> u32 {
        self.conn.max_send_udp_payload_size() as u32
    }

    /// Sends a PING at the next `send` (keep-alive).
    #[napi(catch_unwind)]
    pub fn send_ack_eliciting(&mut self, env: Env) -> napi::Result<()> {
        self.conn
            .send_ack_eliciting()
            .map_err(QuicError::from)
            .napi(&env)
    }

    #[napi]
    pub fn stats(&self) -> ConnectionStats {
        stats::connection(&self.conn)
    }

    #[napi]
    pub fn path_stats(&self) -> Vec<PathStats> {
        self.conn.path_stats().map(|p| stats::path(&p)).collect()
    }

    /// Starts validating a new path (client); returns the DCID sequence number it uses.
    #[napi(catch_unwind)]
    pub fn probe_path(&mut self, env: Env, local: &[u8], peer: &[u8]) -> napi::Result<f64> {
        let r = (|| {
            let l = address::decode(local, "local")?;
            let p = address::decode(peer, "peer")?;
            Ok(self.conn.probe_path(l, p)? as f64)
        })();
        r.napi(&env)
    }

    /// Why this connection cannot migrate now (RFC 9000 §9), or null: a server's, a peer that
    /// disabled active migration, or one that issued no spare connection id.
    #[napi]
    pub fn migration_blocker(&self) -> Option<String> {
        if self.conn.is_server() {
            return Some("only a client moves its address".into());
        }
        if self
            .conn
            .peer_transport_params()
            .is_some_and(|p| p.disable_active_migration)
        {
            return Some("the peer disabled active migration".into());
        }
        if self.conn.available_dcids() == 0 {
            return Some("the peer issued no spare connection id".into());
        }
        None
    }

    /// Moves the connection to a new local address (client); the old path is abandoned once the
    /// new one is used. Returns the DCID sequence number it uses.
    #[napi(catch_unwind)]
    pub fn migrate(&mut self, env: Env, local: &[u8], peer: &[u8]) -> napi::Result<f64> {
        let r = (|| {
            let l = address::decode(local, "local")?;
            let p = address::decode(peer, "peer")?;
            let seq = self.conn.migrate(l, p)?;
            self.local = l;
            Ok(seq as f64)
        })();
        r.napi(&env)
    }

    /// Writes this connection's qlog (JSON-SEQ) to a new file at `path`.
    #[napi(catch_unwind)]
    pub fn set_qlog(
        &mut self,
        env: Env,
        path: String,
        title: Option<String>,
        description: Option<String>,
    ) -> napi::Result<()> {
        let file = std::fs::File::create(&path).map_err(|e| {
            QuicError {
                field: Some("path"),
                ..QuicError::new(ErrorCode::Io, format!("cannot create qlog {path:?}: {e}"))
            }
            .throw(&env)
        })?;
        self.conn.set_qlog(
            // Flushed per record (JSON-SEQ is line-based): the trace is readable while the connection lives.
            Box::new(std::io::LineWriter::new(file)),
            title.unwrap_or_else(|| "@matrixai/quic".into()),
            description.unwrap_or_else(|| self.conn.trace_id().to_string()),
        );
        Ok(())
    }

    /// Appends this connection's TLS secrets to `path` (NSS key log format). The configuration
    /// must have been built with `logKeys` for secrets to be produced.
    #[napi(catch_unwind)]
    pub fn set_keylog(&mut self, env: Env, path: String) -> napi::Result<()> {
        let w = SharedWriter::append(&path).map_err(|e| {
            QuicError {
                field: Some("path"),
                ..QuicError::new(ErrorCode::Io, format!("cannot open key log {path:?}: {e}"))
            }
            .throw(&env)
        })?;
        self.conn.set_keylog(Box::new(w));
        Ok(())
    }
}

fn to_js_error(e: &quiche::ConnectionError) -> ConnectionError {
    ConnectionError {
        is_app: e.is_app,
        error_code: e.error_code as f64,
        reason: e.reason.clone().into(),
    }
}
