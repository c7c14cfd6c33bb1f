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

use napi::bindgen_prelude::{Buffer, Either};
use napi::Env;
use napi_derive::napi;

use crate::buffers::{MutBytes, MutF64s, MutU32s};

use crate::address::{self, HostPort};
use crate::config::{reset_token, Config};
use crate::errors::{ErrorCode, IntoNapi, QuicError, QuicResult};
use crate::keylog::SharedWriter;
use crate::packet::random_bytes;
use crate::stats::{self, ConnectionStats, PathStats};

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

/// A path event (RFC 9000 §9).
#[napi(object)]
pub struct PathEvent {
    /// `"new"`, `"validated"`, `"failedValidation"`, `"closed"`, `"reusedSourceConnectionId"` or `"peerMigrated"`.
    #[napi(js_name = "type")]
    pub ty: String,
    pub local: HostPort,
    pub peer: HostPort,
}

/// What changed since the last `poll()`. Lists are empty (never absent) when nothing happened.
#[napi(object)]
pub struct ConnectionEvents {
    /// Peer-initiated stream ids seen for the first time, in order. A stream id is reported once
    /// in the connection's life, so a finished stream is never reported again.
    pub opened: Vec<f64>,
    /// Streams that got data, a FIN or a reset since they were last reported.
    pub readable: Vec<f64>,
    /// Streams whose send capacity reached their low-water mark (`streamWritable`), or that were stopped.
    pub writable: Vec<f64>,
    /// Connection ids newly issued to the peer: route packets with these DCIDs here.
    pub scids_issued: Vec<Buffer>,
    /// Connection ids the peer retired: stop routing them here.
    pub scids_retired: Vec<Buffer>,
    pub path_events: Vec<PathEvent>,
    /// How many more bidirectional / unidirectional streams may be opened now.
    pub streams_left_bidi: f64,
    pub streams_left_uni: f64,
    /// DATAGRAM frames waiting in the receive queue.
    pub dgrams_readable: u32,
    pub is_established: bool,
    pub is_in_early_data: bool,
    pub is_draining: bool,
    pub is_closed: bool,
}

/// A chunk read from a stream by `streamRead`.
#[napi(object)]
pub struct StreamChunk {
    pub data: Buffer,
    pub fin: bool,
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

/// The rarer part of a poll: connection ids and path events (see `ConnectionEvents`).
#[napi(object)]
#[derive(Default)]
pub struct PollExtras {
    pub scids_issued: Vec<Buffer>,
    pub scids_retired: Vec<Buffer>,
    pub path_events: Vec<PathEvent>,
}

/// `pollInto` layout: the header's slots, then the stream ids.
pub mod poll_slots {
    pub const FLAGS: usize = 0;
    pub const STREAMS_LEFT_BIDI: usize = 1;
    pub const STREAMS_LEFT_UNI: usize = 2;
    pub const DGRAMS_READABLE: usize = 3;
    pub const OPENED: usize = 4;
    pub const READABLE: usize = 5;
    pub const WRITABLE: usize = 6;
    pub const IDS: usize = 7;
    pub const ESTABLISHED: u32 = 1;
    pub const IN_EARLY_DATA: u32 = 2;
    pub const DRAINING: u32 = 4;
    pub const CLOSED: u32 = 8;
    /// Connection ids or path events wait in `pollExtras()`.
    pub const EXTRAS: u32 = 16;
    /// More stream ids than fitted: call again.
    pub const MORE: u32 = 32;
    /// Marks a writable id whose stream the peer stopped (STOP_SENDING), in the queues; `pollInto`
    /// reports such an id as `-id - 1`.
    pub const STOPPED_BIT: u64 = 1 << 63;
}

thread_local! {
    /// `sendToFd` builds its packets here, back to back, with each one's place and destination;
    /// JS runs on one thread, so one suffices.
    static SEND_SCRATCH: std::cell::RefCell<(Vec<u8>, Vec<crate::udp::Packet>)> =
        const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
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

    /// Index of `to` in the destination table, adding it (and bumping the generation) if new.
    fn dest_slot(&mut self, to: SocketAddr) -> u32 {
        if let Some(i) = self.dests.iter().position(|d| *d == to) {
            return i as u32;
        }
        self.dests.push(to);
        self.dest_generation = self.dest_generation.wrapping_add(1);
        (self.dests.len() - 1) as u32
    }

    /// Fills `out` with packets back to back; `meta[0]` gets the destination table generation,
    /// then `meta[1 + 2i]` the length and `meta[2 + 2i]` the destination slot of packet `i`.
    pub fn send_raw(&mut self, out: &mut [u8], meta: &mut [u32]) -> QuicResult<u32> {
        if meta.len() < 3 {
            return Err(QuicError::argument(
                "meta",
                "meta must hold at least 3 entries",
            ));
        }
        if self.dests.len() > DEST_TABLE_RESET {
            self.dests.clear();
            self.dest_generation = self.dest_generation.wrapping_add(1);
        }
        let max_packets = (meta.len() - 1) / 2;
        let mtu = self.conn.max_send_udp_payload_size();
        let mut off = 0;
        let mut count = 0;
        while count < max_packets && out.len() - off >= mtu {
            match self.conn.send(&mut out[off..off + mtu]) {
                Ok((n, info)) => {
                    meta[1 + 2 * count] = n as u32;
                    meta[2 + 2 * count] = self.dest_slot(info.to);
                    off += n;
                    count += 1;
                }
                Err(quiche::Error::Done) => break,
                Err(e) => {
                    // quiche closes the connection on a send failure; report it once.
                    let _ = self.conn.close(false, 0x1, b"send failed");
                    return Err(e.into());
                }
            }
        }
        meta[0] = self.dest_generation;
        Ok(count as u32)
    }

    /// Produces up to `max_packets` packets and hands them to the kernel on `fd` in one batch.
    /// Returns how many packets were produced (the caller loops while it gets `max_packets`).
    pub fn send_to_fd_raw(&mut self, fd: i32, max_packets: usize) -> QuicResult<usize> {
        let mtu = self.conn.max_send_udp_payload_size();
        SEND_SCRATCH.with(|cell| {
            let (buf, packets) = &mut *cell.borrow_mut();
            if buf.len() < max_packets * mtu {
                buf.resize(max_packets * mtu, 0);
            }
            packets.clear();
            let mut off = 0;
            while packets.len() < max_packets {
                match self.conn.send(&mut buf[off..off + mtu]) {
                    Ok((n, info)) => {
                        packets.push((off, n, info.to));
                        off += n;
                    }
                    Err(quiche::Error::Done) => break,
                    Err(e) => {
                        let _ = self.conn.close(false, 0x1, b"send failed");
                        return Err(e.into());
                    }
                }
            }
            if packets.is_empty() {
                return Ok(0);
            }
            let sent = crate::udp::send_batch(fd, buf, packets);
            self.dropped_sends += sent.dropped as u64;
            if let Some(errno) = sent.error {
                return Err(QuicError {
                    wire_code: Some(errno as u64),
                    ..QuicError::new(
                        ErrorCode::Io,
                        format!("sendmmsg: {}", std::io::Error::from_raw_os_error(errno)),
                    )
                });
            }
            Ok(packets.len())
        })
    }

    fn is_local(&self, id: u64) -> bool {
        (id & 1 == 1) == self.conn.is_server()
    }

    /// Reports every peer stream id from the next expected one up to `id` as opened (opening a
    /// stream implicitly opens the lower ones of its kind, RFC 9000 §3.2).
    fn note_peer_stream(&mut self, id: u64, opened: &mut impl Extend<u64>) {
        if self.is_local(id) {
            return;
        }
        let next = if id & 2 == 0 {
            &mut self.next_peer_bidi
        } else {
            &mut self.next_peer_uni
        };
        while *next <= id {
            opened.extend([*next]);
            *next += 4;
        }
    }

    fn issue_scids(&mut self) {
        if !self.conn.is_established() || self.conn.is_closed() {
            return;
        }
        let spare_now = self.conn.active_scids().saturating_sub(1);
        let wanted = SPARE_SCIDS
            .saturating_sub(spare_now)
            .min(self.conn.scids_left());
        for _ in 0..wanted {
            let cid = random_bytes(self.cid_len);
            let token = reset_token(&self.reset_key, &cid);
            match self
                .conn
                .new_scid(&quiche::ConnectionId::from_ref(&cid), token, false)
            {
                Ok(_) => self.scids_issued.push(cid.into()),
                Err(_) => break,
            }
        }
    }

    /// Walks quiche's readable and writable sets once: peer streams seen for the first time go
    /// to `opened` (lower ids of their kind first), then the ids to `readable` and `writable`.
    /// With `keep_stop_codes`, the code of each stopped stream is kept for `takeStopCode`.
    fn collect_streams(
        &mut self,
        opened: &mut impl Extend<u64>,
        readable: &mut impl Extend<u64>,
        writable: &mut impl Extend<u64>,
        keep_stop_codes: bool,
    ) {
        self.issue_scids();
        while let Some(id) = self.conn.stream_readable_next() {
            self.note_peer_stream(id, opened);
            readable.extend([id]);
        }
        while let Some(id) = self.conn.stream_writable_next() {
            self.note_peer_stream(id, opened);
            // Said here, the peer's STOP_SENDING costs JS no call per writable stream to find out.
            let stopped = match self.conn.stream_capacity(id) {
                Err(quiche::Error::StreamStopped(code)) => {
                    if keep_stop_codes {
                        self.stop_codes.push((id, code));
                    }
                    true
                }
                _ => false,
            };
            writable.extend([if stopped {
                id | poll_slots::STOPPED_BIT
            } else {
                id
            }]);
        }
    }

    /// Connection ids issued and retired, and path events, since the last call.
    fn collect_extras(&mut self) -> PollExtras {
        let mut scids_retired = Vec::new();
        while let Some(cid) = self.conn.retired_scid_next() {
            scids_retired.push(cid.as_ref().to_vec().into());
        }
        let mut path_events = Vec::new();
        while let Some(ev) = self.conn.path_event_next() {
            let (ty, local, peer) = match ev {
                quiche::PathEvent::New(l, p) => ("new", l, p),
                quiche::PathEvent::Validated(l, p) => ("validated", l, p),
                quiche::PathEvent::FailedValidation(l, p) => ("failedValidation", l, p),
                quiche::PathEvent::Closed(l, p) => ("closed", l, p),
                quiche::PathEvent::ReusedSourceConnectionId(_, (l, p), _) => {
                    ("reusedSourceConnectionId", l, p)
                }
                quiche::PathEvent::PeerMigrated(l, p) => ("peerMigrated", l, p),
                // A kind added by a later quiche: not reported until mapped here.
                _ => continue,
            };
            path_events.push(PathEvent {
                ty: ty.to_string(),
                local: (&local).into(),
                peer: (&peer).into(),
            });
        }
        PollExtras {
            scids_issued: std::mem::take(&mut self.scids_issued),
            scids_retired,
            path_events,
        }
    }

    pub fn poll_raw(&mut self) -> ConnectionEvents {
        let (mut opened, mut readable, mut writable) = (Vec::new(), Vec::new(), Vec::new());
        // This form reports no stop codes: none is kept for `takeStopCode`, or they would pile up.
        self.collect_streams(&mut opened, &mut readable, &mut writable, false);
        let extras = self.collect_extras();
        let f = |ids: Vec<u64>| {
            ids.into_iter()
                .map(|id| (id & !poll_slots::STOPPED_BIT) as f64)
                .collect()
        };
        ConnectionEvents {
            opened: f(opened),
            readable: f(readable),
            writable: f(writable),
            scids_issued: extras.scids_issued,
            scids_retired: extras.scids_retired,
            path_events: extras.path_events,
            streams_left_bidi: self.conn.peer_streams_left_bidi() as f64,
            streams_left_uni: self.conn.peer_streams_left_uni() as f64,
            dgrams_readable: self.conn.dgram_recv_queue_len() as u32,
            is_established: self.conn.is_established(),
            is_in_early_data: self.conn.is_in_early_data(),
            is_draining: self.conn.is_draining(),
            is_closed: self.conn.is_closed(),
        }
    }

    /// `poll_raw` without building objects: writes into `out` (see `poll_slots`) and returns how
    /// many stream ids it wrote. Opened ids come before readable ones, readable before writable.
    pub fn poll_into_raw(&mut self, out: &mut [f64]) -> QuicResult<u32> {
        use poll_slots::*;
        if out.len() < IDS + 1 {
            return Err(QuicError::argument(
                "out",
                format!("out must hold at least {} entries", IDS + 1),
            ));
        }
        let mut q = std::mem::take(&mut self.backlog);
        if q.iter().all(|k| k.is_empty()) {
            let [opened, readable, writable] = &mut q;
            self.collect_streams(opened, readable, writable, true);
            let x = self.collect_extras();
            if !x.scids_issued.is_empty()
                || !x.scids_retired.is_empty()
                || !x.path_events.is_empty()
            {
                let e = self.extras.get_or_insert_with(PollExtras::default);
                e.scids_issued.extend(x.scids_issued);
                e.scids_retired.extend(x.scids_retired);
                e.path_events.extend(x.path_events);
            }
        }
        let mut counts = [0u32; 3];
        let mut n = 0;
        for (kind, ids) in q.iter_mut().enumerate() {
            while IDS + n < out.len() {
                let Some(id) = ids.pop_front() else {
                    break;
                };
                out[IDS + n] = if id & STOPPED_BIT != 0 {
                    -((id & !STOPPED_BIT) as f64) - 1.0
                } else {
                    id as f64
                };
                counts[kind] += 1;
                n += 1;
            }
        }
        let more = q.iter().any(|k| !k.is_empty());
        self.backlog = q;
        let c = &self.conn;
        let mut flags = 0;
        for (on, bit) in [
            (c.is_established(), ESTABLISHED),
            (c.is_in_early_data(), IN_EARLY_DATA),
            (c.is_draining(), DRAINING),
            (c.is_closed(), CLOSED),
            (self.extras.is_some(), EXTRAS),
            (more, MORE),
        ] {
            if on {
                flags |= bit;
            }
        }
        out[FLAGS] = flags as f64;
        out[STREAMS_LEFT_BIDI] = c.peer_streams_left_bidi() as f64;
        out[STREAMS_LEFT_UNI] = c.peer_streams_left_uni() as f64;
        out[DGRAMS_READABLE] = c.dgram_recv_queue_len() as f64;
        out[OPENED] = counts[0] as f64;
        out[READABLE] = counts[1] as f64;
        out[WRITABLE] = counts[2] as f64;
        Ok(n as u32)
    }

    /// Whether quiche has let go of a stream it once had.
    fn collected(&mut self, id: u64) -> bool {
        matches!(
            self.conn.stream_capacity(id),
            Err(quiche::Error::InvalidStreamState(_))
        ) && self.conn.stream_finished(id)
    }

    /// Opens the next local stream of a kind if the peer allows one more; `None` otherwise.
    pub fn open_stream_raw(&mut self, bidi: bool) -> QuicResult<Option<u64>> {
        let left = if bidi {
            self.conn.peer_streams_left_bidi()
        } else {
            self.conn.peer_streams_left_uni()
        };
        if left == 0 || self.conn.is_closed() || self.conn.is_draining() {
            return Ok(None);
        }
        let id = if bidi {
            self.next_local_bidi
        } else {
            self.next_local_uni
        };
        // Setting the priority creates the stream in quiche without sending anything.
        self.conn
            .stream_priority(id, 127, true)
            .map_err(|e| QuicError::from(e).with_stream(id))?;
        if bidi {
            self.next_local_bidi += 4;
        } else {
            self.next_local_uni += 4;
        }
        Ok(Some(id))
    }

    pub fn stream_send_raw(&mut self, id: u64, data: &[u8], fin: bool) -> QuicResult<usize> {
        done_as_none(self.conn.stream_send(id, data, fin))
            .map(|n| n.unwrap_or(0))
            .map_err(|e| e.with_stream(id))
    }

    pub fn stream_recv_raw(
        &mut self,
        id: u64,
        out: &mut [u8],
    ) -> QuicResult<Option<(usize, bool)>> {
        done_as_none(self.conn.stream_recv(id, out)).map_err(|e| e.with_stream(id))
    }

    pub fn stream_read_raw(&mut self, id: u64, max: usize) -> QuicResult<Option<(Vec<u8>, bool)>> {
        use bytes::BufMut;
        let max = max.max(1);
        let len = self.conn.stream_readable_len(id, max);
        // Filled as it is read: zeroing it first was 3 % of a bulk receiver's time.
        let mut buf = Vec::with_capacity(len);
        // Only `len` bytes can come; the limit's room past them takes a FIN that came in a frame
        // of its own, as in `stream_read_into`.
        let read = self.conn.stream_recv_buf(id, (&mut buf).limit(max));
        match done_as_none(read).map_err(|e| e.with_stream(id))? {
            Some((_, fin)) => Ok(Some((buf, fin))),
            None => Ok(None),
        }
    }

    pub fn stream_shutdown_raw(&mut self, id: u64, write: bool, code: u64) -> QuicResult<bool> {
        let dir = if write {
            quiche::Shutdown::Write
        } else {
            quiche::Shutdown::Read
        };
        done_as_none(self.conn.stream_shutdown(id, dir, code))
            .map(|r| r.is_some())
            .map_err(|e| e.with_stream(id))
    }

    pub fn next_dgram(&mut self) -> Option<Vec<u8>> {
        let len = self.conn.dgram_recv_front_len()?;
        let mut buf = vec![0u8; len];
        let n = self.conn.dgram_recv(&mut buf).ok()?;
        buf.truncate(n);
        Some(buf)
    }

    pub fn destinations_raw(&self) -> Vec<SocketAddr> {
        self.dests.clone()
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

    /// Writes every packet ready to go into `out` (back to back) and their lengths and
    /// destinations into `meta` (see the class doc); returns the packet count (0: nothing to send).
    /// When `meta[0]` differs from the last value seen, fetch `destinations()` again.
    #[napi(catch_unwind)]
    pub fn send(
        &mut self,
        env: Env,
        #[napi(ts_arg_type = "Uint8Array")] out: MutBytes<'_>,
        #[napi(ts_arg_type = "Uint32Array")] meta: MutU32s<'_>,
    ) -> napi::Result<u32> {
        self.send_raw(out, meta).napi(&env)
    }

    /// Like `send`, but hands the packets to the kernel itself on the UDP socket `fd` in one
    /// `sendmmsg` per call (Linux; see `canSendToFd`). Returns how many packets it produced, at
    /// most `maxPackets`: call again while it returns `maxPackets`. Throws `ERR_QUIC_IO` (errno in
    /// `wireCode`) when the socket refuses them (e.g. EHOSTUNREACH).
    #[napi(catch_unwind)]
    pub fn send_to_fd(&mut self, env: Env, fd: i32, max_packets: u32) -> napi::Result<u32> {
        if fd < 0 || max_packets == 0 {
            return Err(QuicError::argument(
                "fd",
                "a socket fd and at least one packet are needed",
            )
            .throw(&env));
        }
        self.send_to_fd_raw(fd, max_packets as usize)
            .map(|n| n as u32)
            .napi(&env)
    }

    /// `sendToFd`, then the connection's state after it into `state`, sparing the calls a flush
    /// would make next: 0 milliseconds until `onTimeout` (`-1`: no timer), 1 flags as `pollInto`'s
    /// (4 draining, 8 closed).
    #[napi(catch_unwind)]
    pub fn flush_to_fd(
        &mut self,
        env: Env,
        fd: i32,
        max_packets: u32,
        #[napi(ts_arg_type = "Float64Array")] state: MutF64s<'_>,
    ) -> napi::Result<u32> {
        if state.len() < 2 {
            return Err(QuicError::argument("state", "state must hold 2 entries").throw(&env));
        }
        let n = self.send_to_fd(env, fd, max_packets)?;
        state[0] = self
            .conn
            .timeout()
            .map_or(-1.0, |d| d.as_secs_f64() * 1000.0);
        let mut flags = 0;
        if self.conn.is_draining() {
            flags |= poll_slots::DRAINING;
        }
        if self.conn.is_closed() {
            flags |= poll_slots::CLOSED;
        }
        state[1] = flags as f64;
        Ok(n)
    }

    /// Packets `sendToFd` produced but the kernel would not take (full socket buffer): QUIC
    /// recovers them as losses.
    #[napi(getter)]
    pub fn dropped_sends(&self) -> f64 {
        self.dropped_sends as f64
    }

    /// The destination table that `send` slots index, as `{ host, port }`.
    #[napi]
    pub fn destinations(&self) -> Vec<HostPort> {
        self.dests.iter().map(HostPort::from).collect()
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

    /// What changed since the last call; see `ConnectionEvents`.
    #[napi(catch_unwind)]
    pub fn poll(&mut self) -> ConnectionEvents {
        self.poll_raw()
    }

    /// `poll` for the hot path: fills `out` (a Float64Array of at least 8 entries) instead of
    /// building an object, and returns how many stream ids follow the header. Header slots:
    /// 0 flags (1 established, 2 in early data, 4 draining, 8 closed, 16 connection ids or path
    /// events wait in `pollExtras()`, 32 more ids than fitted: call again), 1 and 2 streams left
    /// (bidi, uni), 3 datagrams readable, 4–6 how many ids are opened, readable, writable; the
    /// ids from slot 7 in that order. A writable id the peer stopped (STOP_SENDING) comes as
    /// `-id - 1`.
    #[napi(catch_unwind)]
    pub fn poll_into(
        &mut self,
        env: Env,
        #[napi(ts_arg_type = "Float64Array")] out: MutF64s<'_>,
    ) -> napi::Result<u32> {
        self.poll_into_raw(out).napi(&env)
    }

    /// The connection ids and path events the last `pollInto` calls found (flag 16).
    #[napi]
    pub fn poll_extras(&mut self) -> PollExtras {
        self.extras.take().unwrap_or_default()
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

    /// Opens the next local stream (`bidi` or uni) and returns its id, or `null` while the peer's
    /// MAX_STREAMS allows no more: wait for `streamsLeftBidi`/`Uni` in `poll()`. Ids are never skipped.
    #[napi(catch_unwind)]
    pub fn open_stream(&mut self, env: Env, bidi: bool) -> napi::Result<Option<f64>> {
        self.open_stream_raw(bidi)
            .map(|o| o.map(|id| id as f64))
            .napi(&env)
    }

    /// Queues `data` (and FIN) on a stream; returns the bytes taken (0 when there is no capacity;
    /// a FIN with no data returns 0 too). Throws `ERR_QUIC_STREAM_STOPPED` with the peer's `wireCode`.
    #[napi(catch_unwind)]
    pub fn stream_send(
        &mut self,
        env: Env,
        stream_id: f64,
        data: &[u8],
        fin: bool,
    ) -> napi::Result<u32> {
        stream_id_of(stream_id)
            .and_then(|id| self.stream_send_raw(id, data, fin))
            .map(|n| n as u32)
            .napi(&env)
    }

    /// Reads into `out`. Returns -1 when nothing is readable, else `length * 2 + (fin ? 1 : 0)`.
    /// Throws `ERR_QUIC_STREAM_RESET` with the peer's `wireCode`.
    #[napi(catch_unwind)]
    pub fn stream_recv(
        &mut self,
        env: Env,
        stream_id: f64,
        #[napi(ts_arg_type = "Uint8Array")] out: MutBytes<'_>,
    ) -> napi::Result<f64> {
        stream_id_of(stream_id)
            .and_then(|id| self.stream_recv_raw(id, out))
            .map(|r| match r {
                Some((n, fin)) => (n as f64) * 2.0 + if fin { 1.0 } else { 0.0 },
                None => -1.0,
            })
            .napi(&env)
    }

    /// Reads what is readable, up to `maxLength` bytes: into `target` from `offset` when it fits
    /// there, returning `length * 2 + fin` (`-1`: nothing), else into a new buffer handed over
    /// without a copy, as `{ data, fin }`. Small reads then cost neither a JS object nor an
    /// external buffer with its finalizer (JS hands out views of one slab); large ones no copy.
    #[napi(catch_unwind, ts_return_type = "number | StreamChunk")]
    pub fn stream_read_into(
        &mut self,
        env: Env,
        stream_id: f64,
        max_length: u32,
        #[napi(ts_arg_type = "Uint8Array")] target: MutBytes<'_>,
        offset: u32,
    ) -> napi::Result<Either<f64, StreamChunk>> {
        // An offset past the end leaves no room: the read comes as a buffer of its own.
        let room = target.get_mut(offset as usize..).unwrap_or_default();
        let read = stream_id_of(stream_id).and_then(|id| {
            let max = (max_length as usize).max(1);
            let len = self.conn.stream_readable_len(id, max);
            if !room.is_empty() && len <= room.len() {
                // Room past `len` also takes a FIN that came in a frame of its own (quiche keeps
                // that empty frame, and with it the stream, until a read with room consumes it).
                let take = room.len().min(max);
                Ok(Either::A(
                    match self.stream_recv_raw(id, &mut room[..take])? {
                        Some((n, fin)) => (n as f64) * 2.0 + if fin { 1.0 } else { 0.0 },
                        None => -1.0,
                    },
                ))
            } else {
                Ok(match self.stream_read_raw(id, max)? {
                    Some((data, fin)) => Either::B(StreamChunk {
                        data: data.into(),
                        fin,
                    }),
                    None => Either::A(-1.0),
                })
            }
        });
        read.napi(&env)
    }

    /// Reads all that is readable, up to `maxLength` bytes, into a new buffer handed over without
    /// a copy; `null` when nothing is readable.
    #[napi(catch_unwind)]
    pub fn stream_read(
        &mut self,
        env: Env,
        stream_id: f64,
        max_length: u32,
    ) -> napi::Result<Option<StreamChunk>> {
        stream_id_of(stream_id)
            .and_then(|id| self.stream_read_raw(id, max_length as usize))
            .map(|r| {
                r.map(|(data, fin)| StreamChunk {
                    data: data.into(),
                    fin,
                })
            })
            .napi(&env)
    }

    /// Stops one direction of a stream: `"read"` sends STOP_SENDING, `"write"` RESET_STREAM, each
    /// with `code`. Returns false if that direction was already finished.
    #[napi(catch_unwind)]
    pub fn stream_shutdown(
        &mut self,
        env: Env,
        stream_id: f64,
        direction: String,
        code: f64,
    ) -> napi::Result<bool> {
        let write = match direction.as_str() {
            "read" => false,
            "write" => true,
            _ => {
                return Err(
                    QuicError::argument("direction", "direction is \"read\" or \"write\"")
                        .throw(&env),
                )
            }
        };
        stream_id_of(stream_id)
            .and_then(|id| Ok((id, app_code(code, "code")?)))
            .and_then(|(id, code)| self.stream_shutdown_raw(id, write, code))
            .napi(&env)
    }

    /// The STOP_SENDING code of a stream a poll reported stopped (`-id - 1`), once; `null` if
    /// there is none. quiche may have let go of the stream already.
    #[napi]
    pub fn take_stop_code(&mut self, stream_id: f64) -> Option<f64> {
        let id = stream_id_of(stream_id).ok()?;
        let i = self.stop_codes.iter().position(|&(s, _)| s == id)?;
        Some(self.stop_codes.swap_remove(i).1 as f64)
    }

    /// Whether all that is left to read is the stream's end: the peer's FIN (in a frame of its
    /// own) or its reset, which drops the data. Reading it takes no flow-control credit back, so
    /// it can be read while nobody reads the stream.
    #[napi]
    pub fn stream_end_left(&self, stream_id: f64) -> bool {
        stream_id_of(stream_id).is_ok_and(|id| {
            self.conn.stream_readable(id)
                && self.conn.stream_finished(id)
                && self.conn.stream_readable_len(id, 1) == 0
        })
    }

    /// Bytes the stream can take now.
    #[napi(catch_unwind)]
    pub fn stream_capacity(&mut self, env: Env, stream_id: f64) -> napi::Result<f64> {
        stream_id_of(stream_id)
            .and_then(|id| {
                self.conn
                    .stream_capacity(id)
                    .map_err(|e| QuicError::from(e).with_stream(id))
            })
            .map(|n| n as f64)
            .napi(&env)
    }

    /// Whether `length` bytes fit now; if not, `poll()` reports the stream writable once they do.
    #[napi(catch_unwind)]
    pub fn stream_writable(&mut self, env: Env, stream_id: f64, length: u32) -> napi::Result<bool> {
        stream_id_of(stream_id)
            .and_then(|id| {
                self.conn
                    .stream_writable(id, length as usize)
                    .map_err(|e| QuicError::from(e).with_stream(id))
            })
            .napi(&env)
    }

    /// Scheduling: lower `urgency` (0..=7) goes first; `incremental` streams share bandwidth.
    #[napi(catch_unwind)]
    pub fn stream_priority(
        &mut self,
        env: Env,
        stream_id: f64,
        urgency: u32,
        incremental: bool,
    ) -> napi::Result<()> {
        if urgency > 255 {
            return Err(QuicError::argument("urgency", "urgency is 0 to 255").throw(&env));
        }
        stream_id_of(stream_id)
            .and_then(|id| {
                self.conn
                    .stream_priority(id, urgency as u8, incremental)
                    .map_err(|e| QuicError::from(e).with_stream(id))
            })
            .napi(&env)
    }

    /// Whether all of the stream's data and its FIN were read (or it was reset).
    #[napi]
    pub fn stream_finished(&self, stream_id: f64) -> bool {
        stream_id_of(stream_id).is_ok_and(|id| self.conn.stream_finished(id))
    }

    /// Whether quiche has let go of the stream: everything sent was acknowledged and everything
    /// received was read (or it was reset). A graceful close waits for this.
    #[napi]
    pub fn stream_collected(&mut self, stream_id: f64) -> bool {
        stream_id_of(stream_id).is_ok_and(|id| self.collected(id))
    }

    /// Drops from the first `count` ids those quiche has let go of (as `streamCollected`),
    /// keeping the rest in order at the front; returns how many are left. One call sweeps many.
    #[napi]
    pub fn sweep_collected(
        &mut self,
        #[napi(ts_arg_type = "Float64Array")] ids: MutF64s<'_>,
        count: u32,
    ) -> u32 {
        let n = (count as usize).min(ids.len());
        let mut kept = 0;
        for i in 0..n {
            let id = ids[i];
            if !stream_id_of(id).is_ok_and(|id| self.collected(id)) {
                ids[kept] = id;
                kept += 1;
            }
        }
        kept as u32
    }

    #[napi]
    pub fn stream_readable(&self, stream_id: f64) -> bool {
        stream_id_of(stream_id).is_ok_and(|id| self.conn.stream_readable(id))
    }

    /// Ids of all streams with data to read (level-triggered; `poll()` is edge-triggered).
    #[napi]
    pub fn readable(&self) -> Vec<f64> {
        self.conn.readable().map(|id| id as f64).collect()
    }

    /// Ids of all streams that can take data now (level-triggered).
    #[napi]
    pub fn writable(&self) -> Vec<f64> {
        self.conn.writable().map(|id| id as f64).collect()
    }

    #[napi]
    pub fn peer_streams_left_bidi(&self) -> f64 {
        self.conn.peer_streams_left_bidi() as f64
    }

    #[napi]
    pub fn peer_streams_left_uni(&self) -> f64 {
        self.conn.peer_streams_left_uni() as f64
    }

    /// Queues a DATAGRAM; returns false when the send queue is full. Throws
    /// `ERR_QUIC_INVALID_STATE` if the peer does not take DATAGRAM frames and
    /// `ERR_QUIC_BUFFER_TOO_SHORT` if it is larger than `dgramMaxWritableLen()`.
    #[napi(catch_unwind)]
    pub fn dgram_send(&mut self, env: Env, data: &[u8]) -> napi::Result<bool> {
        done_as_none(self.conn.dgram_send(data))
            .map(|r| r.is_some())
            .napi(&env)
    }

    /// The next received DATAGRAM, or `null`.
    #[napi]
    pub fn dgram_recv(&mut self) -> Option<Buffer> {
        self.next_dgram().map(Into::into)
    }

    /// Every received DATAGRAM waiting, at most `max` (default all).
    #[napi]
    pub fn dgram_recv_all(&mut self, max: Option<u32>) -> Vec<Buffer> {
        let n = max
            .map(|m| m as usize)
            .unwrap_or(usize::MAX)
            .min(self.conn.dgram_recv_queue_len());
        (0..n)
            .map_while(|_| self.next_dgram().map(Into::into))
            .collect()
    }

    /// The largest DATAGRAM payload that fits now; `null` if DATAGRAM is not negotiated (yet).
    #[napi]
    pub fn dgram_max_writable_len(&self) -> Option<u32> {
        self.conn.dgram_max_writable_len().map(|n| n as u32)
    }

    #[napi]
    pub fn dgram_send_queue_len(&self) -> u32 {
        self.conn.dgram_send_queue_len() as u32
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
    pub fn trace_id(&self) -> String {
        self.conn.trace_id().to_string()
    }

    #[napi]
    pub fn max_send_udp_payload_size(&self) -> u32 {
        self.conn.max_send_udp_payload_size() as u32
    }

    /// Bytes the congestion controller lets this connection send in one burst.
    #[napi]
    pub fn send_quantum(&self) -> f64 {
        self.conn.send_quantum() as f64
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
