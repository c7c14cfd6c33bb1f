//! The receiver's libuv poll handle (Linux): a duplicate of the socket's fd polled on Node's loop,
//! libuv looked up at run time (so `cargo test` links without Node), and the handle's lifetime
//! across JS callbacks that may close any receiver (freed once no callback is on the stack).

use super::js_batch::call_js;
use super::recvmmsg::{read_batch, Scratch, SCRATCH};
use super::*;
use std::ffi::{c_int, c_void, CStr};
use std::mem::size_of;
use std::ptr;
use std::sync::OnceLock;

use napi::sys;

/// Batches per wake-up before the loop gets a turn (the poll is level-triggered: the rest
/// is read on the next one).
const ROUNDS: usize = 4;
const UV_POLL: c_int = 8;
const UV_READABLE: c_int = 1;

type PollCb = unsafe extern "C" fn(*mut c_void, c_int, c_int);
type CloseCb = unsafe extern "C" fn(*mut c_void);

type HandleSize = unsafe extern "C" fn(c_int) -> usize;
type PollInit = unsafe extern "C" fn(*mut c_void, *mut c_void, c_int) -> c_int;
type PollStart = unsafe extern "C" fn(*mut c_void, c_int, PollCb) -> c_int;
type HandleOp = unsafe extern "C" fn(*mut c_void) -> c_int;
type Close = unsafe extern "C" fn(*mut c_void, Option<CloseCb>);

pub(super) struct Uv {
    handle_size: HandleSize,
    poll_init_socket: PollInit,
    poll_start: PollStart,
    poll_stop: HandleOp,
    close: Close,
}

pub(super) fn uv() -> Option<&'static Uv> {
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

pub(super) fn supported() -> bool {
    uv().is_some()
}

pub(super) struct Inner {
    pub(super) env: sys::napi_env,
    pub(super) fd: c_int,
    pub(super) handle: *mut c_void,
    pub(super) callback: sys::napi_ref,
    pub(super) async_ctx: sys::napi_async_context,
    pub router: Router,
    pub(super) tokens: Uint32Array,
    /// The cleanup hook's argument: the cell the JS object holds, nulled when closed.
    pub(super) owner: *const Cell<*mut Inner>,
    /// Closed while a batch was being handled: freed when the last one returns.
    pub(super) closing: bool,
    pub received: u64,
    pub segments: u64,
    pub truncated: u64,
}

/// Starts polling `fd` (duplicated) on the loop of `env`.
pub(super) fn open(
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
        if lp.is_null() || handle.is_null() || (uv.poll_init_socket)(lp.cast(), handle, dup) != 0 {
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
pub(super) fn close(owner: &Cell<*mut Inner>) {
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

pub(super) unsafe fn finalize(p: *mut Inner) {
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
pub(super) fn fd_slot(uv: &Uv) -> usize {
    // SAFETY: uv_handle_size is a pure lookup.
    let size = unsafe { (uv.handle_size)(UV_POLL) };
    size.next_multiple_of(size_of::<c_int>())
}

pub(super) unsafe extern "C" fn on_closed(handle: *mut c_void) {
    // SAFETY: open stored the fd in the handle's allocation, which came from calloc.
    unsafe {
        let uv = uv().expect("a receiver exists only where libuv was found");
        libc::close(*(handle.cast::<u8>().add(fd_slot(uv)) as *const c_int));
        libc::free(handle);
    }
}

/// The environment is going away (worker exit) with the receiver still open.
pub(super) unsafe extern "C" fn cleanup_hook(arg: *mut c_void) {
    // SAFETY: `arg` is the owner cell registered in open and unregistered in finalize.
    let owner = unsafe { &*(arg as *const Cell<*mut Inner>) };
    let p = owner.get();
    if !p.is_null() {
        // SAFETY: live, as the cell is not null.
        unsafe { finalize(p) };
    }
}

pub(super) unsafe extern "C" fn on_poll(handle: *mut c_void, status: c_int, _events: c_int) {
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

pub(super) unsafe fn drain(p: *mut Inner, status: c_int) {
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
