//! Reading one batch (Linux): up to `BATCH` datagrams in one `recvmmsg` into per-thread buffers,
//! coalesced runs (UDP GRO) split back into datagrams, each routed by its connection id.

use super::libuv::Inner;
use super::*;
use std::ffi::{c_int, c_void};
use std::mem::{size_of, zeroed};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ptr;

/// Room per datagram: the largest UDP payload, since `maxRecvUdpPayloadSize` may allow it.
const SLOT: usize = 65536;

/// recvmmsg's buffers: one set per thread, since a batch is read and routed before JS runs.
pub(super) struct Scratch {
    data: Vec<u8>,
    iovs: Vec<libc::iovec>,
    addrs: Vec<libc::sockaddr_storage>,
    /// Room for each datagram's UDP_GRO control message (its segment size).
    controls: Vec<[u64; 8]>,
    msgs: Vec<libc::mmsghdr>,
}

impl Scratch {
    pub(super) fn new() -> Box<Self> {
        // Zeroed memory comes from fresh pages: only the bytes datagrams fill get committed.
        let mut s = Box::new(Scratch {
            data: vec![0; BATCH * SLOT],
            iovs: Vec::with_capacity(BATCH),
            // SAFETY: plain old data; zero is valid.
            addrs: (0..BATCH).map(|_| unsafe { zeroed() }).collect(),
            controls: vec![[0; 8]; BATCH],
            msgs: Vec::with_capacity(BATCH),
        });
        let base = s.data.as_mut_ptr();
        for i in 0..BATCH {
            s.iovs.push(libc::iovec {
                // SAFETY: within `data`, which never moves or resizes.
                iov_base: unsafe { base.add(i * SLOT) } as *mut c_void,
                iov_len: SLOT,
            });
        }
        for i in 0..BATCH {
            // SAFETY: as above; the pointers stay valid for the Box's life.
            let mut hdr: libc::msghdr = unsafe { zeroed() };
            hdr.msg_name = &mut s.addrs[i] as *mut _ as *mut c_void;
            hdr.msg_iov = &mut s.iovs[i];
            hdr.msg_iovlen = 1;
            hdr.msg_control = s.controls[i].as_mut_ptr() as *mut c_void;
            s.msgs.push(libc::mmsghdr {
                msg_hdr: hdr,
                msg_len: 0,
            });
        }
        s
    }
}

thread_local! {
    pub(super) static SCRATCH: std::cell::RefCell<Option<Box<Scratch>>> = const { std::cell::RefCell::new(None) };
}

/// The segment size the kernel reports for a coalesced datagram (UDP_GRO), if any.
pub(super) fn gro_segment(hdr: &libc::msghdr) -> Option<usize> {
    // SAFETY: the kernel filled msg_control up to msg_controllen with well-formed cmsgs.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(hdr);
        while !c.is_null() {
            if (*c).cmsg_level == libc::SOL_UDP && (*c).cmsg_type == libc::UDP_GRO {
                let v = std::ptr::read_unaligned(libc::CMSG_DATA(c) as *const c_int);
                return usize::try_from(v).ok().filter(|&v| v > 0);
            }
            c = libc::CMSG_NXTHDR(hdr, c);
        }
    }
    None
}

pub(super) fn socket_addr(s: &libc::sockaddr_storage) -> Option<SocketAddr> {
    match s.ss_family as c_int {
        libc::AF_INET => {
            // SAFETY: the family says the storage holds a sockaddr_in.
            let a = unsafe { &*(s as *const _ as *const libc::sockaddr_in) };
            Some(SocketAddr::new(
                IpAddr::V4(Ipv4Addr::from(u32::from_be(a.sin_addr.s_addr))),
                u16::from_be(a.sin_port),
            ))
        }
        libc::AF_INET6 => {
            // SAFETY: as above, sockaddr_in6. Scope and flow label are dropped, as the
            // compact address form does, so paths compare equal to the JS side's.
            let a = unsafe { &*(s as *const _ as *const libc::sockaddr_in6) };
            Some(SocketAddr::new(
                IpAddr::V6(Ipv6Addr::from(a.sin6_addr.s6_addr)),
                u16::from_be(a.sin6_port),
            ))
        }
        _ => None,
    }
}

/// Reads up to one batch and routes it. Returns the datagram count, an errno other than
/// EAGAIN, and what JS must hear of.
pub(super) fn read_batch(inner: &mut Inner, s: &mut Scratch) -> (usize, i32, Outcome) {
    for m in s.msgs.iter_mut() {
        m.msg_hdr.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        m.msg_hdr.msg_controllen = size_of::<[u64; 8]>() as _;
        m.msg_hdr.msg_flags = 0;
        m.msg_len = 0;
    }
    let n = loop {
        // SAFETY: msgs points into the scratch, which outlives the call.
        let r = unsafe {
            libc::recvmmsg(
                inner.fd,
                s.msgs.as_mut_ptr(),
                BATCH as libc::c_uint,
                libc::MSG_DONTWAIT as _,
                ptr::null_mut(),
            )
        };
        if r >= 0 {
            break r as usize;
        }
        let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
        if errno == libc::EINTR {
            continue;
        }
        let quiet = errno == libc::EAGAIN || errno == libc::EWOULDBLOCK;
        return (0, if quiet { 0 } else { errno }, Outcome::default());
    };
    let mut out = Outcome::default();
    inner.received += n as u64;
    for i in 0..n {
        let m = &s.msgs[i];
        if m.msg_hdr.msg_flags & libc::MSG_TRUNC != 0 {
            inner.truncated += 1;
            continue;
        }
        let Some(from) = socket_addr(&s.addrs[i]) else {
            continue;
        };
        let len = m.msg_len as usize;
        let seg = gro_segment(&m.msg_hdr).unwrap_or(len).max(1);
        // A coalesced run (UDP GRO) is split back into its datagrams.
        let data = &mut s.data[i * SLOT..i * SLOT + len];
        for d in data.chunks_mut(seg) {
            inner.segments += 1;
            inner.router.dispatch(d, from, &mut out);
        }
    }
    (n, 0, out)
}
