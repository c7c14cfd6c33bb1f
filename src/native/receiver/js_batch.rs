//! Handing one batch's outcome to the JS listener (Linux): the touched connections' tokens in a
//! shared array, the unmatched datagrams as one flat array, then a second call once the first
//! one's microtasks ran, so replies leave with the ACKs in one flush per connection.

use super::libuv::Inner;
use super::*;
use std::ffi::c_void;
use std::ptr;

use napi::sys;

/// One call of the listener; microtasks run as it returns (MakeCallback). A throwing
/// listener is an uncaught exception, as from any Node callback.
pub(super) unsafe fn invoke(
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
pub(super) unsafe fn call_js(
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
