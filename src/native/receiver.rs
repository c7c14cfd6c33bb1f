//! The native receive path (Linux): a socket's datagrams are read here with `recvmmsg`, routed
//! by destination connection id to their `Connection` and fed to quiche without entering JS. JS
//! is called once per batch of up to 64 datagrams, with the connections to service and the
//! datagrams no connection claimed (a server's new clients, stray packets). Through `dgram` every
//! datagram cost a `message` event, a Buffer, an address object and a native call; profiles of
//! the bulk receiver showed that as most of its time.
//!
//! Node's `dgram` socket stays the socket's owner (bind, sends, close); the JS side stops its
//! reading and a libuv poll handle on a duplicate of the fd takes over. The handle keeps the
//! process alive while it is open, as a reading `dgram` socket would (one that stopped reading
//! does not). libuv's functions are looked up in the
//! Node binary at run time, as napi's are, so `cargo test` links without Node.

use std::cell::Cell;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::rc::Rc;

use napi::bindgen_prelude::{Function, Reference, Uint32Array};
use napi::Env;
use napi_derive::napi;

use crate::connection::Connection;
use crate::errors::QuicError;

/// Datagrams per `recvmmsg` and per JS call.
pub const BATCH: usize = 64;

/// The destination connection id of a datagram: long headers carry its length, short headers
/// have the length this endpoint issues. `None` when the datagram is too short to hold one.
pub fn dcid(data: &[u8], cid_len: usize) -> Option<&[u8]> {
    let first = *data.first()?;
    if first & 0x80 != 0 {
        let len = *data.get(5)? as usize;
        data.get(6..6 + len)
    } else {
        data.get(1..1 + cid_len)
    }
}

struct Route {
    conn: Reference<Connection>,
    token: u32,
}

/// Connection ids → connections, and the per-batch bookkeeping: the part that does no I/O.
pub struct Router {
    routes: HashMap<Box<[u8]>, Route>,
    cid_len: usize,
}

/// What one batch left for JS.
#[derive(Default)]
pub struct Outcome {
    /// Distinct tokens of the connections that got datagrams, in first-seen order.
    pub touched: Vec<u32>,
    /// Datagrams no route claimed, with their sources.
    pub unmatched: Vec<(Vec<u8>, SocketAddr)>,
}

impl Router {
    pub fn new(cid_len: usize) -> Self {
        Router {
            routes: HashMap::new(),
            cid_len,
        }
    }

    /// Feeds one datagram to the connection its DCID names, or sets it aside for JS.
    pub fn dispatch(&mut self, data: &mut [u8], from: SocketAddr, out: &mut Outcome) {
        let Some(cid) = dcid(data, self.cid_len) else {
            // Too short to be QUIC: nobody could use it.
            return;
        };
        match self.routes.get_mut(cid) {
            Some(route) => {
                // A datagram that fails the connection shows in its next poll, as through `recv`.
                let _ = route.conn.recv_from(data, from);
                if !out.touched.contains(&route.token) {
                    out.touched.push(route.token);
                }
            }
            None => out.unmatched.push((data.to_vec(), from)),
        }
    }
}

#[cfg(target_os = "linux")]
mod imp {
    use super::*;
    use std::ffi::{c_int, c_void, CStr};
    use std::mem::{size_of, zeroed};
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    use std::ptr;
    use std::sync::OnceLock;

    use napi::sys;

    /// Batches per wake-up before the loop gets a turn (the poll is level-triggered: the rest
    /// is read on the next one).
    const ROUNDS: usize = 4;
    /// Room per datagram: the largest UDP payload, since `maxRecvUdpPayloadSize` may allow it.
    const SLOT: usize = 65536;
    const UV_POLL: c_int = 8;
    const UV_READABLE: c_int = 1;

    type PollCb = unsafe extern "C" fn(*mut c_void, c_int, c_int);
    type CloseCb = unsafe extern "C" fn(*mut c_void);

    type HandleSize = unsafe extern "C" fn(c_int) -> usize;
    type PollInit = unsafe extern "C" fn(*mut c_void, *mut c_void, c_int) -> c_int;
    type PollStart = unsafe extern "C" fn(*mut c_void, c_int, PollCb) -> c_int;
    type HandleOp = unsafe extern "C" fn(*mut c_void) -> c_int;
    type Close = unsafe extern "C" fn(*mut c_void, Option<CloseCb>);

    struct Uv {
        handle_size: HandleSize,
        poll_init_socket: PollInit,
        poll_start: PollStart,
        poll_stop: HandleOp,
        close: Close,
    }

    fn uv() -> Option<&'static Uv> {
        static UV: OnceLock<Option<Uv>> = OnceLock::new();
        UV.get_or_init(|| {
            let sym = |name: &CStr| {
                // SAFETY: dlsym with a NUL-terminated name; a null result is checked below.
                unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) }
            };
            let p = [
                sym(c"uv_handle_size"),
                sym(c"uv_poll_init_socket"),
                sym(c"uv_poll_start"),
                sym(c"uv_poll_stop"),
                sym(c"uv_close"),
            ];
            if p.iter().any(|p| p.is_null()) {
                return None;
            }
            // SAFETY: these are libuv's exported functions with the signatures of uv.h.
            unsafe {
                Some(Uv {
                    handle_size: std::mem::transmute::<*mut c_void, HandleSize>(p[0]),
                    poll_init_socket: std::mem::transmute::<*mut c_void, PollInit>(p[1]),
                    poll_start: std::mem::transmute::<*mut c_void, PollStart>(p[2]),
                    poll_stop: std::mem::transmute::<*mut c_void, HandleOp>(p[3]),
                    close: std::mem::transmute::<*mut c_void, Close>(p[4]),
                })
            }
        })
        .as_ref()
    }

    pub fn supported() -> bool {
        uv().is_some()
    }

    /// recvmmsg's buffers: one set per thread, since a batch is read and routed before JS runs.
    struct Scratch {
        data: Vec<u8>,
        iovs: Vec<libc::iovec>,
        addrs: Vec<libc::sockaddr_storage>,
        /// Room for each datagram's UDP_GRO control message (its segment size).
        controls: Vec<[u64; 8]>,
        msgs: Vec<libc::mmsghdr>,
    }

    impl Scratch {
        fn new() -> Box<Self> {
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
        static SCRATCH: std::cell::RefCell<Option<Box<Scratch>>> = const { std::cell::RefCell::new(None) };
    }

    /// The segment size the kernel reports for a coalesced datagram (UDP_GRO), if any.
    fn gro_segment(hdr: &libc::msghdr) -> Option<usize> {
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

    fn socket_addr(s: &libc::sockaddr_storage) -> Option<SocketAddr> {
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

    pub struct Inner {
        env: sys::napi_env,
        fd: c_int,
        handle: *mut c_void,
        callback: sys::napi_ref,
        async_ctx: sys::napi_async_context,
        pub router: Router,
        tokens: Uint32Array,
        /// The cleanup hook's argument: the cell the JS object holds, nulled when closed.
        owner: *const Cell<*mut Inner>,
        /// Closed while a batch was being handled: freed when the last one returns.
        closing: bool,
        pub received: u64,
        pub segments: u64,
        pub truncated: u64,
    }

    /// Starts polling `fd` (duplicated) on the loop of `env`.
    pub fn open(
        env: &Env,
        fd: i32,
        cid_len: usize,
        tokens: Uint32Array,
        on_batch: sys::napi_value,
        owner: &Rc<Cell<*mut Inner>>,
    ) -> Result<(), QuicError> {
        let uv = uv().ok_or_else(|| QuicError::argument("fd", "libuv is not reachable"))?;
        let raw_env = env.raw();
        // SAFETY: fcntl on a caller-given fd; failure is checked.
        let dup = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
        if dup < 0 {
            return Err(QuicError::argument(
                "fd",
                format!(
                    "cannot duplicate fd {fd}: {}",
                    std::io::Error::last_os_error()
                ),
            ));
        }
        let mut lp = ptr::null_mut();
        // SAFETY: plain napi/libuv calls on the main thread with a valid env; every failure is
        // checked and unwinds what was made.
        unsafe {
            sys::napi_get_uv_event_loop(raw_env, &mut lp);
            let handle = libc::calloc(1, fd_slot(uv) + size_of::<c_int>());
            if !handle.is_null() {
                *(handle.cast::<u8>().add(fd_slot(uv)) as *mut c_int) = dup;
            }
            if lp.is_null()
                || handle.is_null()
                || (uv.poll_init_socket)(lp.cast(), handle, dup) != 0
            {
                libc::free(handle);
                libc::close(dup);
                return Err(QuicError::argument(
                    "fd",
                    format!("fd {fd} cannot be polled"),
                ));
            }
            let mut callback = ptr::null_mut();
            sys::napi_create_reference(raw_env, on_batch, 1, &mut callback);
            let mut name = ptr::null_mut();
            let n = c"QUICSocketReceive";
            sys::napi_create_string_utf8(raw_env, n.as_ptr(), n.count_bytes() as isize, &mut name);
            let mut async_ctx = ptr::null_mut();
            sys::napi_async_init(raw_env, ptr::null_mut(), name, &mut async_ctx);
            let owner_raw = Rc::into_raw(owner.clone());
            let inner = Box::into_raw(Box::new(Inner {
                env: raw_env,
                fd: dup,
                handle,
                callback,
                async_ctx,
                router: Router::new(cid_len),
                tokens,
                owner: owner_raw,
                closing: false,
                received: 0,
                segments: 0,
                truncated: 0,
            }));
            owner.set(inner);
            // uv_handle_t starts with its `data` pointer.
            *(handle as *mut *mut c_void) = inner as *mut c_void;
            sys::napi_add_env_cleanup_hook(raw_env, Some(cleanup_hook), owner_raw as *mut c_void);
            if (uv.poll_start)(handle, UV_READABLE, on_poll) != 0 {
                close(owner);
                return Err(QuicError::argument(
                    "fd",
                    format!("fd {fd} cannot be polled"),
                ));
            }
            // Coalesced receives (UDP GRO, Linux 5.0+): runs of datagrams sent with GSO arrive
            // as one and are split in read_batch. Refused by older kernels: then they come one by one.
            let on: c_int = 1;
            libc::setsockopt(
                dup,
                libc::SOL_UDP,
                libc::UDP_GRO,
                &on as *const c_int as *const c_void,
                size_of::<c_int>() as libc::socklen_t,
            );
        }
        Ok(())
    }

    thread_local! {
        /// How many poll callbacks are on the stack (JS they call may close any receiver), and
        /// the receivers closed meanwhile: freed once none is.
        static DEPTH: Cell<usize> = const { Cell::new(0) };
        static CLOSED: std::cell::RefCell<Vec<*mut Inner>> = const { std::cell::RefCell::new(Vec::new()) };
    }

    /// Stops reading and lets go of everything; while a batch is being handled (a JS listener
    /// closed it), only once that batch returns.
    pub fn close(owner: &Cell<*mut Inner>) {
        let p = owner.get();
        if p.is_null() {
            return;
        }
        // SAFETY: a non-null pointer in the cell is a live Inner (finalize nulls it).
        unsafe {
            if DEPTH.with(Cell::get) > 0 {
                if !(*p).closing {
                    (*p).closing = true;
                    (uv().expect("libuv").poll_stop)((*p).handle);
                    CLOSED.with(|c| c.borrow_mut().push(p));
                }
                owner.set(ptr::null_mut());
            } else {
                finalize(p);
            }
        }
    }

    unsafe fn finalize(p: *mut Inner) {
        // SAFETY: the caller passes the live Inner, which is freed here exactly once.
        unsafe {
            let inner = Box::from_raw(p);
            let uv = uv().expect("a receiver exists only where libuv was found");
            (uv.poll_stop)(inner.handle);
            // Whoever reads the socket next (dgram, if the receiver never took over) must get
            // datagrams one by one again.
            let off: c_int = 0;
            libc::setsockopt(
                inner.fd,
                libc::SOL_UDP,
                libc::UDP_GRO,
                &off as *const c_int as *const c_void,
                size_of::<c_int>() as libc::socklen_t,
            );
            sys::napi_remove_env_cleanup_hook(
                inner.env,
                Some(cleanup_hook),
                inner.owner as *mut c_void,
            );
            let owner = Rc::from_raw(inner.owner);
            owner.set(ptr::null_mut());
            sys::napi_async_destroy(inner.env, inner.async_ctx);
            sys::napi_delete_reference(inner.env, inner.callback);
            // A callback that comes anyway (an event libuv had already collected) finds no data.
            *(inner.handle as *mut *mut c_void) = ptr::null_mut();
            (uv.close)(inner.handle, Some(on_closed));
            drop(inner);
        }
    }

    /// Where the handle's allocation keeps the duplicated fd, past libuv's own fields, so it
    /// can be closed once libuv is done with the handle.
    fn fd_slot(uv: &Uv) -> usize {
        // SAFETY: uv_handle_size is a pure lookup.
        let size = unsafe { (uv.handle_size)(UV_POLL) };
        size.next_multiple_of(size_of::<c_int>())
    }

    unsafe extern "C" fn on_closed(handle: *mut c_void) {
        // SAFETY: open stored the fd in the handle's allocation, which came from calloc.
        unsafe {
            let uv = uv().expect("a receiver exists only where libuv was found");
            libc::close(*(handle.cast::<u8>().add(fd_slot(uv)) as *const c_int));
            libc::free(handle);
        }
    }

    /// The environment is going away (worker exit) with the receiver still open.
    unsafe extern "C" fn cleanup_hook(arg: *mut c_void) {
        // SAFETY: `arg` is the owner cell registered in open and unregistered in finalize.
        let owner = unsafe { &*(arg as *const Cell<*mut Inner>) };
        let p = owner.get();
        if !p.is_null() {
            // SAFETY: live, as the cell is not null.
            unsafe { finalize(p) };
        }
    }

    unsafe extern "C" fn on_poll(handle: *mut c_void, status: c_int, _events: c_int) {
        // SAFETY: while polling, the handle's data is the live Inner.
        let p = unsafe { *(handle as *mut *mut Inner) };
        if p.is_null() {
            return;
        }
        DEPTH.with(|d| d.set(d.get() + 1));
        // Nothing may unwind into libuv.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // SAFETY: p is live: receivers closed meanwhile are freed only below.
            unsafe { drain(p, status) }
        }));
        if DEPTH.with(|d| {
            d.set(d.get() - 1);
            d.get() == 0
        }) {
            for q in CLOSED.with(|c| std::mem::take(&mut *c.borrow_mut())) {
                // SAFETY: each was live and closing, queued once, and is freed here once.
                unsafe { finalize(q) };
            }
        }
    }

    unsafe fn drain(p: *mut Inner, status: c_int) {
        if status < 0 {
            // SAFETY: p is live.
            unsafe { call_js(p, &[], &[], -status) };
            return;
        }
        for _ in 0..ROUNDS {
            let (n, errno, out) = SCRATCH.with(|cell| {
                let mut slot = cell.borrow_mut();
                let scratch = slot.get_or_insert_with(Scratch::new);
                // SAFETY: p is live and no JS runs during the read.
                read_batch(unsafe { &mut *p }, scratch)
            });
            if errno != 0 || !out.touched.is_empty() || !out.unmatched.is_empty() {
                // Coalesced reads can reach more connections than the token array holds:
                // then JS hears of them in several calls.
                // SAFETY: p stays allocated until on_poll returns.
                let inner = unsafe { &*p };
                let room = inner.tokens.len().max(1);
                let mut chunks = out.touched.chunks(room);
                // SAFETY: as above.
                unsafe { call_js(p, chunks.next().unwrap_or(&[]), &out.unmatched, errno) };
                for chunk in chunks {
                    // SAFETY: as above.
                    if unsafe { (*p).closing } {
                        return;
                    }
                    unsafe { call_js(p, chunk, &[], 0) };
                }
                // SAFETY: p stays allocated until on_poll returns.
                if unsafe { (*p).closing } {
                    return;
                }
            }
            if n < BATCH {
                return;
            }
        }
    }

    /// Reads up to one batch and routes it. Returns the datagram count, an errno other than
    /// EAGAIN, and what JS must hear of.
    fn read_batch(inner: &mut Inner, s: &mut Scratch) -> (usize, i32, Outcome) {
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
                    libc::MSG_DONTWAIT,
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

    /// One call of the listener; microtasks run as it returns (MakeCallback). A throwing
    /// listener is an uncaught exception, as from any Node callback.
    unsafe fn invoke(
        inner: &mut Inner,
        recv: sys::napi_value,
        func: sys::napi_value,
        argv: &[sys::napi_value],
    ) {
        // SAFETY: called from call_js inside its handle scope, on the main thread.
        unsafe {
            let env = inner.env;
            let mut result = ptr::null_mut();
            sys::napi_make_callback(
                env,
                inner.async_ctx,
                recv,
                func,
                argv.len(),
                argv.as_ptr(),
                &mut result,
            );
            let mut pending = false;
            sys::napi_is_exception_pending(env, &mut pending);
            if pending {
                let mut e = ptr::null_mut();
                sys::napi_get_and_clear_last_exception(env, &mut e);
                sys::napi_fatal_exception(env, e);
            }
        }
    }

    /// Calls the JS listener with one batch's outcome: `(touchedCount, unmatched, errno, false)`,
    /// the touched tokens in the shared array, `unmatched` a flat `[data, host, port, ...]` array
    /// or undefined; then, if connections were touched, `(touchedCount, unmatched, errno, true)`
    /// once the first call's microtasks have run.
    unsafe fn call_js(
        p: *mut Inner,
        touched_tokens: &[u32],
        unmatched: &[(Vec<u8>, SocketAddr)],
        errno: i32,
    ) {
        // SAFETY: p is live; every napi call runs on the main thread inside a handle scope.
        unsafe {
            let inner = &mut *p;
            let tokens = inner.tokens.as_mut();
            let touched = touched_tokens.len().min(tokens.len());
            tokens[..touched].copy_from_slice(&touched_tokens[..touched]);
            let env = inner.env;
            let mut scope = ptr::null_mut();
            sys::napi_open_handle_scope(env, &mut scope);
            let mut func = ptr::null_mut();
            sys::napi_get_reference_value(env, inner.callback, &mut func);
            // MakeCallback wants an object as `this`.
            let mut recv = ptr::null_mut();
            sys::napi_get_global(env, &mut recv);
            let mut argv = [ptr::null_mut(); 4];
            sys::napi_create_uint32(env, touched as u32, &mut argv[0]);
            if unmatched.is_empty() {
                sys::napi_get_undefined(env, &mut argv[1]);
            } else {
                sys::napi_create_array_with_length(env, unmatched.len() * 3, &mut argv[1]);
                for (i, (data, from)) in unmatched.iter().enumerate() {
                    let mut buf = ptr::null_mut();
                    sys::napi_create_buffer_copy(
                        env,
                        data.len(),
                        data.as_ptr() as *const c_void,
                        ptr::null_mut(),
                        &mut buf,
                    );
                    let host = from.ip().to_string();
                    let mut h = ptr::null_mut();
                    sys::napi_create_string_utf8(
                        env,
                        host.as_ptr().cast(),
                        host.len() as isize,
                        &mut h,
                    );
                    let mut port = ptr::null_mut();
                    sys::napi_create_uint32(env, u32::from(from.port()), &mut port);
                    let base = (i * 3) as u32;
                    sys::napi_set_element(env, argv[1], base, buf);
                    sys::napi_set_element(env, argv[1], base + 1, h);
                    sys::napi_set_element(env, argv[1], base + 2, port);
                }
            }
            sys::napi_create_int32(env, errno, &mut argv[2]);
            sys::napi_get_boolean(env, false, &mut argv[3]);
            invoke(inner, recv, func, &argv);
            if touched > 0 && !inner.closing {
                // Second call, after the first one's microtasks ran: what the listeners wrote
                // in reply now leaves with the ACKs, in one flush per connection.
                sys::napi_get_boolean(env, true, &mut argv[3]);
                invoke(inner, recv, func, &argv);
            }
            sys::napi_close_handle_scope(env, scope);
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use super::*;

    pub struct Inner {
        pub router: Router,
        pub received: u64,
        pub segments: u64,
        pub truncated: u64,
    }

    pub fn supported() -> bool {
        false
    }

    pub fn open(
        _env: &Env,
        _fd: i32,
        _cid_len: usize,
        _tokens: Uint32Array,
        _on_batch: napi::sys::napi_value,
        _owner: &Rc<Cell<*mut Inner>>,
    ) -> Result<(), QuicError> {
        Err(QuicError::argument("fd", "native receiving needs Linux"))
    }

    pub fn close(_owner: &Cell<*mut Inner>) {}
}

/// Reads a UDP socket's datagrams natively (see the module doc). `onBatch(touched, unmatched,
/// errno)` is called once per batch: `tokens[0..touched]` name the connections that got
/// datagrams (each once); `unmatched` is undefined or a flat `[data, host, port, ...]` list of
/// datagrams no registered id matched; `errno` is non-zero when reading failed.
#[napi]
pub struct Receiver {
    owner: Rc<Cell<*mut imp::Inner>>,
}

impl Receiver {
    fn inner(&mut self) -> Option<&mut imp::Inner> {
        // SAFETY: a non-null pointer is live until close, which nulls it; JS is single-threaded.
        unsafe { self.owner.get().as_mut() }
    }
}

#[napi]
impl Receiver {
    /// Whether this platform and runtime have the native receive path.
    #[napi]
    pub fn supported() -> bool {
        imp::supported()
    }

    /// Starts reading `fd` (a bound UDP socket, duplicated here; the caller stops its own
    /// reading). `cidLength`: the length of the ids short headers are routed by. `tokens`: at
    /// least 64 entries, written before each call of `onBatch`.
    #[napi(constructor, catch_unwind)]
    pub fn new(
        env: Env,
        fd: i32,
        cid_length: u32,
        tokens: Uint32Array,
        #[napi(
            ts_arg_type = "(touched: number, unmatched: Array<Buffer | string | number> | undefined, errno: number, after: boolean) => void"
        )]
        on_batch: Function<'_>,
    ) -> napi::Result<Self> {
        use crate::errors::IntoNapi;
        use napi::JsValue;
        if fd < 0
            || cid_length == 0
            || cid_length as usize > quiche::MAX_CONN_ID_LEN
            || tokens.len() < BATCH
        {
            return Err(QuicError::argument(
                "fd",
                format!(
                    "a socket fd, a connection id length of 1 to 20 and {BATCH} tokens are needed"
                ),
            )
            .throw(&env));
        }
        let owner = Rc::new(Cell::new(std::ptr::null_mut()));
        imp::open(
            &env,
            fd,
            cid_length as usize,
            tokens,
            on_batch.raw(),
            &owner,
        )
        .napi(&env)?;
        Ok(Receiver { owner })
    }

    /// Routes datagrams whose DCID is `cid` to `connection`; `token` is what `onBatch` reports.
    #[napi]
    pub fn register(&mut self, cid: &[u8], connection: Reference<Connection>, token: u32) {
        if let Some(inner) = self.inner() {
            inner.router.routes.insert(
                cid.into(),
                Route {
                    conn: connection,
                    token,
                },
            );
        }
    }

    /// Stops routing `cid`, if it still routes to `token`.
    #[napi]
    pub fn unregister(&mut self, cid: &[u8], token: u32) {
        if let Some(inner) = self.inner() {
            if inner
                .router
                .routes
                .get(cid)
                .is_some_and(|r| r.token == token)
            {
                inner.router.routes.remove(cid);
            }
        }
    }

    /// How many ids are routed.
    #[napi(getter)]
    pub fn routes(&mut self) -> u32 {
        self.inner().map_or(0, |i| i.router.routes.len() as u32)
    }

    /// Datagrams read (a coalesced run counts once), the datagrams they held, and those dropped
    /// for being larger than 64 KiB.
    #[napi(getter)]
    pub fn received(&mut self) -> f64 {
        self.inner().map_or(0.0, |i| i.received as f64)
    }

    #[napi(getter)]
    pub fn segments(&mut self) -> f64 {
        self.inner().map_or(0.0, |i| i.segments as f64)
    }

    #[napi(getter)]
    pub fn truncated(&mut self) -> f64 {
        self.inner().map_or(0.0, |i| i.truncated as f64)
    }

    /// Stops reading and drops every route. Safe to call twice, and from inside `onBatch`.
    #[napi]
    pub fn close(&mut self) {
        imp::close(&self.owner);
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        imp::close(&self.owner);
    }
}

#[cfg(test)]
mod tests {
    use super::dcid;

    #[test]
    fn dcid_of_long_and_short_headers() {
        let mut long = vec![0xc0, 0, 0, 0, 1, 8];
        long.extend_from_slice(&[7; 8]);
        assert_eq!(dcid(&long, 20), Some(&[7u8; 8][..]));
        let mut short = vec![0x40];
        short.extend_from_slice(&[9; 20]);
        assert_eq!(dcid(&short, 20), Some(&[9u8; 20][..]));
        assert_eq!(dcid(&short[..20], 20), None, "one byte short");
        assert_eq!(dcid(&[], 20), None);
        assert_eq!(dcid(&[0xc0, 0, 0, 0, 1], 20), None, "no length byte");
        assert_eq!(
            dcid(&[0xc0, 0, 0, 0, 1, 4, 1, 2], 20),
            None,
            "length past the end"
        );
    }
}
