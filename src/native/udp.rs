//! Batched sends straight to the UDP socket's file descriptor (Linux `sendmmsg`): one system call
//! for a burst of packets instead of one `dgram.send` each. Profiling showed the per-datagram send
//! path is where a bulk sender spends most of its time; this removes it without moving the socket
//! out of Node (receiving is `receiver/`).
//!
//! Runs of equal-sized packets to one destination go out as one segmented datagram (UDP GSO,
//! `UDP_SEGMENT`): the kernel walks its UDP/IP path once per run instead of once per packet,
//! which was half of a bulk transfer's CPU. Where the kernel or device cannot segment, the first
//! refusal turns it off for the process.
//!
//! The fd is non-blocking and shared with libuv. A burst the kernel will not take now (`EAGAIN`)
//! is dropped and counted: to QUIC that is loss, which it recovers from, just as from a full
//! receive queue on the path.

use std::net::SocketAddr;

/// A packet of a batch: its offset and length in the batch's buffer, and its destination.
pub type Packet = (usize, usize, SocketAddr);

/// Outcome of one batched send.
pub struct Sent {
    pub packets: usize,
    pub dropped: usize,
    /// The errno that stopped the batch, if any other than EAGAIN.
    pub error: Option<i32>,
}

#[cfg(target_os = "linux")]
mod imp {
    use super::*;
    use std::mem::{size_of, zeroed};
    use std::sync::atomic::{AtomicBool, Ordering};

    fn sockaddr(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
        // SAFETY: sockaddr_storage is plain old data; zero is a valid value.
        let mut storage: libc::sockaddr_storage = unsafe { zeroed() };
        let len = match addr {
            SocketAddr::V4(a) => {
                let sin = libc::sockaddr_in {
                    sin_family: libc::AF_INET as libc::sa_family_t,
                    sin_port: a.port().to_be(),
                    sin_addr: libc::in_addr {
                        s_addr: u32::from_ne_bytes(a.ip().octets()),
                    },
                    sin_zero: [0; 8],
                };
                // SAFETY: sockaddr_storage is large enough and suitably aligned for sockaddr_in.
                unsafe { std::ptr::write(&mut storage as *mut _ as *mut libc::sockaddr_in, sin) };
                size_of::<libc::sockaddr_in>()
            }
            SocketAddr::V6(a) => {
                let sin6 = libc::sockaddr_in6 {
                    sin6_family: libc::AF_INET6 as libc::sa_family_t,
                    sin6_port: a.port().to_be(),
                    sin6_flowinfo: a.flowinfo(),
                    sin6_addr: libc::in6_addr {
                        s6_addr: a.ip().octets(),
                    },
                    sin6_scope_id: a.scope_id(),
                };
                // SAFETY: as above, for sockaddr_in6.
                unsafe { std::ptr::write(&mut storage as *mut _ as *mut libc::sockaddr_in6, sin6) };
                size_of::<libc::sockaddr_in6>()
            }
        };
        (storage, len as libc::socklen_t)
    }

    /// Set once the kernel refused a segmented send (old kernel, a device without checksum
    /// offload): from then on every packet is its own datagram.
    static GSO_OFF: AtomicBool = AtomicBool::new(false);

    /// Packets per segmented send, and bytes: the kernel's limits (UDP_MAX_SEGMENTS, one IP packet).
    const MAX_SEGMENTS: usize = 64;
    const MAX_GSO_BYTES: usize = 65000;

    /// Consecutive packets to one destination that can leave as one segmented datagram: every
    /// one the size of the first but the last, which may be shorter. Into `out`, cleared first.
    pub fn groups(packets: &[Packet], gso: bool, out: &mut Vec<(usize, usize)>) {
        out.clear();
        let mut i = 0;
        while i < packets.len() {
            let (off, seg, to) = packets[i];
            let mut j = i + 1;
            let mut end = off + seg;
            while gso && j < packets.len() && j - i < MAX_SEGMENTS {
                let (o, l, t) = packets[j];
                if t != to || o != end || l > seg || end + l - off > MAX_GSO_BYTES {
                    break;
                }
                end += l;
                j += 1;
                if l < seg {
                    break;
                }
            }
            out.push((i, j));
            i = j;
        }
    }

    /// Room for one UDP_SEGMENT control message.
    const CMSG_ROOM: usize = 32;

    /// The arrays one `sendmmsg` call points into, kept between calls (a flush is often one
    /// small packet: six allocations were a tenth of its cost).
    #[derive(Default)]
    struct Scratch {
        groups: Vec<(usize, usize)>,
        addrs: Vec<(libc::sockaddr_storage, libc::socklen_t)>,
        iovs: Vec<libc::iovec>,
        controls: Vec<[u64; CMSG_ROOM / 8]>,
        msgs: Vec<libc::mmsghdr>,
    }

    thread_local! {
        static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
    }

    /// Sends `packets` (each a slice of `buf` with its destination, back to back) with as few
    /// system calls as the kernel allows: runs of equal-sized packets to one destination as one
    /// segmented datagram (UDP GSO), the runs together through `sendmmsg`.
    pub fn send_batch(fd: i32, buf: &[u8], packets: &[Packet]) -> Sent {
        SCRATCH.with(|cell| {
            let s = &mut *cell.borrow_mut();
            let mut first = 0;
            loop {
                let gso = !GSO_OFF.load(Ordering::Relaxed);
                match send_runs(fd, buf, &packets[first..], gso, s) {
                    Ok(sent) => {
                        return Sent {
                            packets: first + sent.packets,
                            ..sent
                        }
                    }
                    // This path cannot segment: the rest one datagram each, now and from now on.
                    Err(refused) => {
                        GSO_OFF.store(true, Ordering::Relaxed);
                        first += refused;
                    }
                }
            }
        })
    }

    /// One pass of `send_batch`; `Err(i)` when the kernel refused a segmented send at packet `i`
    /// (the packets before it went out).
    fn send_runs(
        fd: i32,
        buf: &[u8],
        packets: &[Packet],
        gso: bool,
        s: &mut Scratch,
    ) -> Result<Sent, usize> {
        groups(packets, gso, &mut s.groups);
        let groups = &s.groups;
        s.addrs.clear();
        s.addrs
            .extend(groups.iter().map(|&(a, _)| sockaddr(&packets[a].2)));
        s.iovs.clear();
        s.iovs.extend(groups.iter().map(|&(a, b)| libc::iovec {
            iov_base: buf[packets[a].0..].as_ptr() as *mut libc::c_void,
            iov_len: packets[b - 1].0 + packets[b - 1].1 - packets[a].0,
        }));
        s.controls.clear();
        s.controls.resize(groups.len(), [0u64; CMSG_ROOM / 8]);
        // The arrays above are complete: the pointers taken into them below stay valid.
        s.msgs.clear();
        for (g, &(a, b)) in groups.iter().enumerate() {
            // SAFETY: msghdr is plain old data; the fields set below make it valid.
            let mut hdr: libc::msghdr = unsafe { zeroed() };
            hdr.msg_name = &mut s.addrs[g].0 as *mut _ as *mut libc::c_void;
            hdr.msg_namelen = s.addrs[g].1;
            hdr.msg_iov = &mut s.iovs[g];
            hdr.msg_iovlen = 1;
            if b - a > 1 {
                hdr.msg_control = s.controls[g].as_mut_ptr() as *mut libc::c_void;
                // SAFETY: CMSG_SPACE of a u16 fits CMSG_ROOM; the header written is in bounds.
                unsafe {
                    hdr.msg_controllen = libc::CMSG_SPACE(size_of::<u16>() as u32) as _;
                    let c = libc::CMSG_FIRSTHDR(&hdr);
                    (*c).cmsg_level = libc::SOL_UDP;
                    (*c).cmsg_type = libc::UDP_SEGMENT;
                    (*c).cmsg_len = libc::CMSG_LEN(size_of::<u16>() as u32) as _;
                    std::ptr::write_unaligned(libc::CMSG_DATA(c) as *mut u16, packets[a].1 as u16);
                }
            }
            s.msgs.push(libc::mmsghdr {
                msg_hdr: hdr,
                msg_len: 0,
            });
        }
        let msgs = &mut s.msgs;
        let mut done = 0;
        while done < msgs.len() {
            // SAFETY: every pointer in msgs[done..] points into the scratch's arrays and buf,
            // which outlive the call.
            let n = unsafe {
                libc::sendmmsg(
                    fd,
                    msgs[done..].as_mut_ptr(),
                    (msgs.len() - done) as libc::c_uint,
                    0,
                )
            };
            if n >= 0 {
                done += n as usize;
                continue;
            }
            let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
            if errno == libc::EINTR {
                continue;
            }
            let first = groups[done].0;
            if gso && (errno == libc::EIO || errno == libc::EINVAL) && groups[done].1 - first > 1 {
                return Err(first);
            }
            let error =
                (errno != libc::EAGAIN && errno != libc::EWOULDBLOCK && errno != libc::ENOBUFS)
                    .then_some(errno);
            return Ok(Sent {
                packets: first,
                dropped: packets.len() - first,
                error,
            });
        }
        Ok(Sent {
            packets: packets.len(),
            dropped: 0,
            error: None,
        })
    }
}

#[cfg(target_os = "linux")]
pub use imp::{groups, send_batch};

/// Whether this platform has the batched send path.
pub const SUPPORTED: bool = cfg!(target_os = "linux");

/// Whether `Connection.sendToFd` works on this platform (batched sends with `sendmmsg`).
#[napi_derive::napi(js_name = "canSendToFd")]
pub fn can_send_to_fd() -> bool {
    SUPPORTED
}

#[cfg(not(target_os = "linux"))]
pub fn send_batch(_fd: i32, _buf: &[u8], packets: &[Packet]) -> Sent {
    Sent {
        packets: 0,
        dropped: packets.len(),
        error: Some(0),
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::groups;
    use std::net::SocketAddr;

    #[test]
    fn runs_of_equal_packets_to_one_destination_become_one_send() {
        let a: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let b: SocketAddr = "127.0.0.1:2".parse().unwrap();
        let mut packets = Vec::new();
        let mut off = 0;
        for (len, to) in [
            (1350, a),
            (1350, a),
            (900, a),
            (1350, a),
            (1350, b),
            (1200, b),
            (1350, b),
        ] {
            packets.push((off, len, to));
            off += len;
        }
        // A shorter packet ends a run; a new destination or a longer packet starts one.
        let mut g = Vec::new();
        groups(&packets, true, &mut g);
        assert_eq!(g, vec![(0, 3), (3, 4), (4, 6), (6, 7)]);
        groups(&packets, false, &mut g);
        assert_eq!(g.len(), 7);
        // No run past 64 KB.
        let many: Vec<_> = (0..100).map(|i| (i * 1350, 1350, a)).collect();
        groups(&many, true, &mut g);
        assert!(g.iter().all(|&(x, y)| (y - x) * 1350 <= 65000));
        assert_eq!(g.iter().map(|&(x, y)| y - x).sum::<usize>(), 100);
    }
}
