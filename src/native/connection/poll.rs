//! What changed in a `Connection` since the last look: streams opened, readable and writable
//! (a stopped one flagged), connection ids, path events, state; as objects (`poll`) or packed
//! into a Float64Array whose layout `poll_slots` defines (`pollInto`).

use napi::bindgen_prelude::Buffer;
use napi::Env;
use napi_derive::napi;

use super::*;
use crate::buffers::MutF64s;
use crate::errors::{IntoNapi, QuicError, QuicResult};

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

/// `pollInto`'s layout as JS reads it (once, at load): the slots of its header and its flags,
/// defined only in `poll_slots`. `flushToFd`'s state reports the same draining and closed flags.
#[napi(object)]
pub struct PollLayout {
    pub flags: u32,
    pub streams_left_bidi: u32,
    pub streams_left_uni: u32,
    pub dgrams_readable: u32,
    pub opened: u32,
    pub readable: u32,
    pub writable: u32,
    /// The first stream id's slot: the header's length.
    pub ids: u32,
    pub established: u32,
    pub in_early_data: u32,
    pub draining: u32,
    pub closed: u32,
    pub extras: u32,
    pub more: u32,
}

/// See `PollLayout`.
#[napi]
pub fn poll_layout() -> PollLayout {
    use poll_slots::*;
    PollLayout {
        flags: FLAGS as u32,
        streams_left_bidi: STREAMS_LEFT_BIDI as u32,
        streams_left_uni: STREAMS_LEFT_UNI as u32,
        dgrams_readable: DGRAMS_READABLE as u32,
        opened: OPENED as u32,
        readable: READABLE as u32,
        writable: WRITABLE as u32,
        ids: IDS as u32,
        established: ESTABLISHED,
        in_early_data: IN_EARLY_DATA,
        draining: DRAINING,
        closed: CLOSED,
        extras: EXTRAS,
        more: MORE,
    }
}

impl Connection {
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
}

#[napi]
impl Connection {
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

    /// The STOP_SENDING code of a stream a poll reported stopped (`-id - 1`), once; `null` if
    /// there is none. quiche may have let go of the stream already.
    #[napi]
    pub fn take_stop_code(&mut self, stream_id: f64) -> Option<f64> {
        let id = stream_id_of(stream_id).ok()?;
        let i = self.stop_codes.iter().position(|&(s, _)| s == id)?;
        Some(self.stop_codes.swap_remove(i).1 as f64)
    }
}
