//! The calls JS makes for every packet, as plain Node-API functions. napi-rs's generated glue
//! registers a borrow of `this` (and of every typed array) in a process-wide table and opens
//! scopes around each call: 380-530 ns a call measured here, about as much as the work of a
//! small `pollInto` itself. These take the connection's `handle()` (a number, see handles.rs)
//! as their first argument and run the method of the same name; results and errors come back
//! as from that method. None of these methods calls into JS, so nothing can re-enter the
//! connection while it is borrowed here.

use std::ffi::{c_char, c_void, CStr};
use std::ptr;

use napi::bindgen_prelude::{JsValue, Object, ToNapiValue};
use napi::{sys, Env, JsError};

use crate::connection::Connection;

/// How many arguments the widest call takes.
const MAX_ARGS: usize = 5;

struct Call {
    env: sys::napi_env,
    argv: [sys::napi_value; MAX_ARGS],
}

/// An argument of the wrong type: a TypeError thrown, naming it.
struct BadArg(&'static str);

/// An element type of the typed arrays the calls take, with Node-API's name for its array.
trait Element {
    const ARRAY: i32;
}

impl Element for u8 {
    const ARRAY: i32 = sys::TypedarrayType::uint8_array;
}

impl Element for f64 {
    const ARRAY: i32 = sys::TypedarrayType::float64_array;
}

impl Call {
    /// The callback's arguments (missing ones are `undefined`).
    unsafe fn new(env: sys::napi_env, info: sys::napi_callback_info) -> Call {
        let mut argv = [ptr::null_mut(); MAX_ARGS];
        let mut argc = MAX_ARGS;
        // SAFETY: argv holds MAX_ARGS slots; Node fills up to argc of them.
        unsafe {
            sys::napi_get_cb_info(
                env,
                info,
                &mut argc,
                argv.as_mut_ptr(),
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        Call { env, argv }
    }

    /// Argument 0, a connection's `handle()`, as the live connection it names.
    unsafe fn connection<'a>(&self) -> Result<&'a mut Connection, BadArg> {
        // SAFETY: a value of this call.
        let handle = unsafe { self.number(0, "connection") }?;
        // SAFETY: a handle names a connection only while it lives at that address (handles.rs);
        // JS is single-threaded and none of the calls here calls back into JS, so nothing else
        // uses the connection while this borrow lasts.
        crate::handles::lookup(handle)
            .map(|p| unsafe { &mut *p })
            .ok_or(BadArg("connection"))
    }

    unsafe fn number(&self, i: usize, name: &'static str) -> Result<f64, BadArg> {
        let mut n = 0.0;
        // SAFETY: a value of this call.
        match unsafe { sys::napi_get_value_double(self.env, self.argv[i], &mut n) } {
            sys::Status::napi_ok => Ok(n),
            _ => Err(BadArg(name)),
        }
    }

    unsafe fn boolean(&self, i: usize, name: &'static str) -> Result<bool, BadArg> {
        let mut b = false;
        // SAFETY: a value of this call.
        match unsafe { sys::napi_get_value_bool(self.env, self.argv[i], &mut b) } {
            sys::Status::napi_ok => Ok(b),
            _ => Err(BadArg(name)),
        }
    }

    /// Argument `i` as the elements of a typed array of `T` (a Buffer is a Uint8Array).
    unsafe fn typed<'a, T: Element>(
        &self,
        i: usize,
        name: &'static str,
    ) -> Result<&'a mut [T], BadArg> {
        let mut ty = 0;
        let mut len = 0;
        let mut data: *mut c_void = ptr::null_mut();
        let mut buffer = ptr::null_mut();
        let mut offset = 0;
        // SAFETY: a value of this call; `data` is already advanced by the view's offset, and the
        // memory stays put while the call runs (nothing here can detach or grow it).
        unsafe {
            if sys::napi_get_typedarray_info(
                self.env,
                self.argv[i],
                &mut ty,
                &mut len,
                &mut data,
                &mut buffer,
                &mut offset,
            ) != sys::Status::napi_ok
                || ty != T::ARRAY
            {
                return Err(BadArg(name));
            }
            if len == 0 || data.is_null() {
                return Ok(&mut []);
            }
            Ok(std::slice::from_raw_parts_mut(data as *mut T, len))
        }
    }

    /// The call's JS result: `value`, or its error thrown (null then).
    unsafe fn finish<T: ToNapiValue>(&self, value: napi::Result<T>) -> sys::napi_value {
        match value {
            // SAFETY: env is this call's.
            Ok(v) => unsafe { T::to_napi_value(self.env, v) }.unwrap_or(ptr::null_mut()),
            // A QuicError was thrown already (PendingException); anything else is thrown here.
            Err(e) if e.status == napi::Status::PendingException => ptr::null_mut(),
            Err(e) => {
                // SAFETY: as above.
                unsafe { JsError::from(e).throw_into(self.env) };
                ptr::null_mut()
            }
        }
    }

    unsafe fn type_error(&self, BadArg(name): BadArg) -> sys::napi_value {
        let msg = format!("{name} has the wrong type\0");
        // SAFETY: both strings are NUL-terminated and outlive the call.
        unsafe {
            sys::napi_throw_type_error(
                self.env,
                c"ERR_INVALID_ARG_TYPE".as_ptr(),
                msg.as_ptr() as *const c_char,
            )
        };
        ptr::null_mut()
    }
}

/// Runs `body` with the call's arguments; a wrong argument is a TypeError and a panic an Error,
/// neither of which may unwind into Node.
fn run<T: ToNapiValue>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    body: impl FnOnce(&Call) -> Result<napi::Result<T>, BadArg>,
) -> sys::napi_value {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: env and info are this callback's.
        let call = unsafe { Call::new(env, info) };
        match body(&call) {
            // SAFETY: env is this call's.
            Ok(value) => unsafe { call.finish(value) },
            Err(bad) => unsafe { call.type_error(bad) },
        }
    }));
    result.unwrap_or_else(|_| {
        // SAFETY: env is this call's; the message is NUL-terminated.
        unsafe { sys::napi_throw_error(env, ptr::null(), c"native panic".as_ptr()) };
        ptr::null_mut()
    })
}

/// A call: `$body` reads the arguments after the connection (`?` on a wrong one) and runs the
/// method of the same name with the connection `$conn` and `$env`.
macro_rules! fast_call {
    ($name:ident, |$c:ident, $conn:ident, $env:ident| $body:block) => {
        unsafe extern "C" fn $name(
            env: sys::napi_env,
            info: sys::napi_callback_info,
        ) -> sys::napi_value {
            run(env, info, |$c| unsafe {
                let $conn = $c.connection()?;
                let $env = Env::from_raw($c.env);
                Ok($body)
            })
        }
    };
}

fast_call!(poll_into, |c, conn, env| {
    let out = c.typed::<f64>(1, "out")?;
    conn.poll_into(env, out)
});

fast_call!(stream_read_into, |c, conn, env| {
    let id = c.number(1, "streamId")?;
    let max = c.number(2, "maxLength")? as u32;
    let target = c.typed::<u8>(3, "target")?;
    let offset = c.number(4, "offset")? as u32;
    conn.stream_read_into(env, id, max, target, offset)
});

fast_call!(stream_send, |c, conn, env| {
    let id = c.number(1, "streamId")?;
    let data = c.typed::<u8>(2, "data")?;
    let fin = c.boolean(3, "fin")?;
    conn.stream_send(env, id, data, fin)
});

fast_call!(flush_to_fd, |c, conn, env| {
    let fd = c.number(1, "fd")? as i32;
    let max = c.number(2, "maxPackets")? as u32;
    let state = c.typed::<f64>(3, "state")?;
    conn.flush_to_fd(env, fd, max, state)
});

/// Adds the calls to the module's exports as `fast.pollInto(connection, ...)` and so on.
#[napi_derive::napi(module_exports)]
pub fn register_fast_calls(exports: Object, env: Env) -> napi::Result<()> {
    let calls: [(&CStr, sys::napi_callback); 4] = [
        (c"pollInto", Some(poll_into)),
        (c"streamReadInto", Some(stream_read_into)),
        (c"streamSend", Some(stream_send)),
        (c"flushToFd", Some(flush_to_fd)),
    ];
    let mut fast = ptr::null_mut();
    // SAFETY: env and exports are the module's; every name is NUL-terminated and static.
    unsafe {
        if sys::napi_create_object(env.raw(), &mut fast) != sys::Status::napi_ok {
            return Err(napi::Error::from_reason("napi_create_object failed"));
        }
        for (name, cb) in calls {
            let mut f = ptr::null_mut();
            if sys::napi_create_function(
                env.raw(),
                name.as_ptr(),
                name.to_bytes().len() as isize,
                cb,
                ptr::null_mut(),
                &mut f,
            ) != sys::Status::napi_ok
                || sys::napi_set_named_property(env.raw(), fast, name.as_ptr(), f)
                    != sys::Status::napi_ok
            {
                return Err(napi::Error::from_reason("cannot export the fast calls"));
            }
        }
        if sys::napi_set_named_property(env.raw(), exports.raw(), c"fast".as_ptr(), fast)
            != sys::Status::napi_ok
        {
            return Err(napi::Error::from_reason("cannot export the fast calls"));
        }
    }
    Ok(())
}
