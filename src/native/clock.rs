//! What a deterministic simulation (`npm run sim`) sets of quiche's environment on this thread
//! (`quiche::clock`, patch `quiche-0.30.0-virtual-env`): the time, as a fixed origin plus the
//! milliseconds the simulation has advanced, and a seed for quiche's random numbers.

use std::cell::Cell;
use std::time::{Duration, Instant};

use napi::Env;
use napi_derive::napi;

use crate::errors::QuicError;

thread_local! {
    /// The virtual clock's zero: the real time of its first use on this thread.
    static ORIGIN: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Sets the time quiche reads on this thread to the virtual clock's zero plus `ms`
/// (milliseconds, fractions allowed, never going back in a run); `null` restores the real clock.
#[napi]
pub fn set_virtual_clock(env: Env, ms: Option<f64>) -> napi::Result<()> {
    let Some(ms) = ms else {
        quiche::clock::set(None);
        return Ok(());
    };
    if !ms.is_finite() || ms < 0.0 {
        return Err(QuicError::argument("ms", "ms must be a finite number ≥ 0").throw(&env));
    }
    let origin = ORIGIN.with(|o| {
        let t = o.get().unwrap_or_else(Instant::now);
        o.set(Some(t));
        t
    });
    // Fixed-point nanoseconds: the same `ms` always gives the same instant.
    quiche::clock::set(Some(
        origin + Duration::from_nanos((ms * 1e6).round() as u64),
    ));
    Ok(())
}

/// Makes quiche's random numbers on this thread the sequence of `seed` (an integer below 2^53),
/// so a simulated run replays exactly; `null` restores the system's.
#[napi]
pub fn seed_quiche_random(env: Env, seed: Option<f64>) -> napi::Result<()> {
    let Some(seed) = seed else {
        quiche::clock::seed_rand(None);
        return Ok(());
    };
    if !(seed.is_finite() && seed >= 0.0 && seed.fract() == 0.0 && seed < 9_007_199_254_740_992.0) {
        return Err(
            QuicError::argument("seed", "seed must be an integer from 0 to 2^53").throw(&env),
        );
    }
    quiche::clock::seed_rand(Some(seed as u64));
    Ok(())
}
