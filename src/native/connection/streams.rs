//! A `Connection`'s streams and datagrams: opening (ids in order, never skipped), sending,
//! reading (into a JS slab or a buffer handed over), stopping, flow-control capacity, and
//! letting go of finished streams.

use napi::bindgen_prelude::{Buffer, Either};
use napi::Env;
use napi_derive::napi;

use super::*;
use crate::buffers::{MutBytes, MutF64s};
use crate::errors::{IntoNapi, QuicError, QuicResult};

/// A chunk read from a stream by `streamRead`.
#[napi(object)]
pub struct StreamChunk {
    pub data: Buffer,
    pub fin: bool,
}

impl Connection {
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
}

#[napi]
impl Connection {
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
}
