//! Live connections by number, for the fast calls (`fast.rs`). Finding a napi-rs object's Rust
//! value costs two V8 private-symbol lookups (its type tag, then the wrapped pointer): about
//! 200 ns a call after a wake-up, with cold caches, on every packet's four calls. A handle is a
//! plain number: its slot index and the slot's generation, so a handle kept past its
//! connection's end, or made up, names nothing instead of freed memory.
//!
//! A slot is filled by `Connection::handle()` (a napi method, so `self` is already where napi-rs
//! keeps it until the JS object is collected) and emptied by the connection's `Drop`. Each
//! thread (main or worker) has its own table, as it has its own JS objects.

use std::cell::RefCell;

use crate::connection::Connection;

/// Generations per slot before it wraps (a handle is `index + generation * SLOTS_MAX`).
const GENERATIONS: u64 = 1 << 20;
/// Slots per thread: more live connections than any process holds; past it `handle()` fails.
pub const SLOTS_MAX: u64 = 1 << 24;

#[derive(Default)]
struct Table {
    /// Per slot: the connection (null when free) and its generation.
    slots: Vec<(*mut Connection, u32)>,
    free: Vec<u32>,
}

thread_local! {
    static TABLE: RefCell<Table> = RefCell::new(Table::default());
}

/// A handle: its slot's index and generation in one number.
fn encode(index: u32, generation: u32) -> f64 {
    index as f64 + generation as f64 * SLOTS_MAX as f64
}

/// A handle's slot index and generation; `None` for a number no handle can be.
fn decode(handle: f64) -> Option<(usize, u32)> {
    if !(handle >= 0.0 && handle.fract() == 0.0 && handle < (SLOTS_MAX * GENERATIONS) as f64) {
        return None;
    }
    let h = handle as u64;
    Some(((h % SLOTS_MAX) as usize, (h / SLOTS_MAX) as u32))
}

/// A new handle for `conn`, which must stay at this address until `release` (see the module
/// doc). `None` when the table is full.
pub fn register(conn: *mut Connection) -> Option<f64> {
    TABLE.with(|t| {
        let mut t = t.borrow_mut();
        let index = match t.free.pop() {
            Some(i) => i,
            None if (t.slots.len() as u64) < SLOTS_MAX => {
                t.slots.push((std::ptr::null_mut(), 0));
                (t.slots.len() - 1) as u32
            }
            None => return None,
        };
        let slot = &mut t.slots[index as usize];
        slot.0 = conn;
        Some(encode(index, slot.1))
    })
}

/// Empties the slot `handle` names (its connection is going away); later lookups find nothing.
/// A handle that names nothing (already released) changes nothing.
pub fn release(handle: f64) {
    let Some((index, generation)) = decode(handle) else {
        return;
    };
    // A connection collected while its thread exits may come after the table is gone.
    let _ = TABLE.try_with(|t| {
        let mut t = t.borrow_mut();
        match t.slots.get_mut(index) {
            Some(slot) if !slot.0.is_null() && slot.1 == generation => {
                slot.0 = std::ptr::null_mut();
                slot.1 = ((slot.1 as u64 + 1) % GENERATIONS) as u32;
                t.free.push(index as u32);
            }
            _ => {}
        }
    });
}

/// The live connection a handle names, if any.
pub fn lookup(handle: f64) -> Option<*mut Connection> {
    let (index, generation) = decode(handle)?;
    TABLE.with(|t| {
        let &(conn, g) = t.borrow().slots.get(index)?;
        (!conn.is_null() && g == generation).then_some(conn)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_released_or_made_up_handle_names_nothing() {
        let mut a = 0u8;
        let p = &mut a as *mut u8 as *mut Connection;
        let h = register(p).unwrap();
        assert_eq!(lookup(h), Some(p));
        release(h);
        assert_eq!(lookup(h), None, "released");
        // The slot is reused with a new generation: the old handle still names nothing.
        let h2 = register(p).unwrap();
        assert_ne!(h, h2);
        assert_eq!(lookup(h), None);
        assert_eq!(lookup(h2), Some(p));
        release(h);
        assert_eq!(
            lookup(h2),
            Some(p),
            "a stale handle's release frees its slot's new owner"
        );
        for bad in [-1.0, 0.5, f64::NAN, f64::INFINITY, h2 + 1.0, 1e300] {
            assert_eq!(lookup(bad), None, "{bad}");
        }
        release(h2);
    }
}
