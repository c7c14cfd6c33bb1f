//! Caller-owned typed arrays borrowed mutably for the length of one call.
//!
//! napi-derive reads a `&mut` parameter as a class instance; through these aliases it takes the
//! typed-array conversion instead, which borrows the JS memory without a copy or a reference.

/// A `Uint8Array` (or `Buffer`) written in place.
pub type MutBytes<'a> = &'a mut [u8];
/// A `Uint32Array` written in place.
pub type MutU32s<'a> = &'a mut [u32];
/// A `Float64Array` written in place.
pub type MutF64s<'a> = &'a mut [f64];
