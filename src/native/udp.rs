//! Batched sends straight to the UDP socket's file descriptor (Linux `sendmmsg`): one system call
//! for a burst of packets instead of one `dgram.send` each. Profiling showed the per-datagram send
//! path is where a bulk sender spends most of its time; this removes it without moving the socket
//! out of Node (receiving stays with `dgram`).
//!
//! The fd is non-blocking and shared with libuv. A burst the kernel will not take now (`EAGAIN`)
//! is dropped and counted: to QUIC that is loss, which it recovers from, just as from a full
//! receive queue on the path.

use std::net::SocketAddr;

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

    /// Sends `packets` (each a slice of `buf` with its destination) with as few `sendmmsg` calls
    /// as the kernel allows.
    pub fn send_batch(fd: i32, buf: &[u8], packets: &[(usize, usize, SocketAddr)]) -> Sent {
        let mut addrs: Vec<(libc::sockaddr_storage, libc::socklen_t)> =
            packets.iter().map(|(_, _, to)| sockaddr(to)).collect();
        let mut iovs: Vec<libc::iovec> = packets
            .iter()
            .map(|(off, len, _)| libc::iovec {
                iov_base: buf[*off..].as_ptr() as *mut libc::c_void,
                iov_len: *len,
            })
            .collect();
        let mut msgs: Vec<libc::mmsghdr> = (0..packets.len())
            .map(|i| {
                // SAFETY: msghdr is plain old data; the fields set below make it valid.
                let mut hdr: libc::msghdr = unsafe { zeroed() };
                hdr.msg_name = &mut addrs[i].0 as *mut _ as *mut libc::c_void;
                hdr.msg_namelen = addrs[i].1;
                hdr.msg_iov = &mut iovs[i];
                hdr.msg_iovlen = 1;
                libc::mmsghdr {
                    msg_hdr: hdr,
                    msg_len: 0,
                }
            })
            .collect();
        let mut done = 0;
        while done < msgs.len() {
            // SAFETY: every pointer in msgs[done..] points into addrs, iovs and buf, which outlive the call.
            let n = unsafe {
                libc::sendmmsg(
                    fd,
                    msgs[done..].as_mut_ptr(),
                    (msgs.len() - done) as libc::c_uint,
                    0,
                )
            };
            if n < 0 {
                let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
                if errno == libc::EINTR {
                    continue;
                }
                let dropped = msgs.len() - done;
                let error =
                    (errno != libc::EAGAIN && errno != libc::EWOULDBLOCK && errno != libc::ENOBUFS)
                        .then_some(errno);
                return Sent {
                    packets: done,
                    dropped,
                    error,
                };
            }
            done += n as usize;
        }
        Sent {
            packets: done,
            dropped: 0,
            error: None,
        }
    }
}

#[cfg(target_os = "linux")]
pub use imp::send_batch;

/// Whether this platform has the batched send path.
pub const SUPPORTED: bool = cfg!(target_os = "linux");

/// Whether `Connection.sendToFd` works on this platform (batched sends with `sendmmsg`).
#[napi_derive::napi(js_name = "canSendToFd")]
pub fn can_send_to_fd() -> bool {
    SUPPORTED
}

#[cfg(not(target_os = "linux"))]
pub fn send_batch(_fd: i32, _buf: &[u8], packets: &[(usize, usize, SocketAddr)]) -> Sent {
    Sent {
        packets: 0,
        dropped: packets.len(),
        error: Some(0),
    }
}
