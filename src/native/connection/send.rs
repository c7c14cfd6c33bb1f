//! Packets out of a `Connection`: into a JS buffer with a destination table (`send`), or
//! straight to the socket in one `sendmmsg` batch (`sendToFd`, `flushToFd`).

use napi::Env;
use napi_derive::napi;

use super::*;
use crate::buffers::{MutBytes, MutF64s, MutU32s};
use crate::errors::{ErrorCode, IntoNapi, QuicError, QuicResult};

thread_local! {
    /// `sendToFd` builds its packets here, back to back, with each one's place and destination;
    /// JS runs on one thread, so one suffices.
    static SEND_SCRATCH: std::cell::RefCell<(Vec<u8>, Vec<crate::udp::Packet>)> =
        const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

impl Connection {
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

    pub fn destinations_raw(&self) -> Vec<SocketAddr> {
        self.dests.clone()
    }
}

#[napi]
impl Connection {
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
}
