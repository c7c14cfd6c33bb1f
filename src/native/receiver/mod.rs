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

/// `BATCH` for JS: the size of the token array a `Receiver` is given (one entry a datagram).
#[napi]
pub const RECEIVE_BATCH: u32 = BATCH as u32;

mod routing;
pub use routing::{dcid, Outcome, Router};

#[cfg(target_os = "linux")]
mod js_batch;
#[cfg(target_os = "linux")]
mod libuv;
#[cfg(target_os = "linux")]
mod recvmmsg;
#[cfg(target_os = "linux")]
use libuv as imp;

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
            inner.router.insert(cid, connection, token);
        }
    }

    /// Stops routing `cid`, if it still routes to `token`.
    #[napi]
    pub fn unregister(&mut self, cid: &[u8], token: u32) {
        if let Some(inner) = self.inner() {
            inner.router.remove(cid, token);
        }
    }

    /// How many ids are routed.
    #[napi(getter)]
    pub fn routes(&mut self) -> u32 {
        self.inner().map_or(0, |i| i.router.len() as u32)
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
