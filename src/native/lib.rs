//! Native core of @matrixai/quic: quiche and boring behind napi classes. No I/O, no timers,
//! no JS callbacks: the JS layer owns sockets and time and drives these state machines.
#![deny(clippy::all)]

pub mod address;
pub mod buffers;
pub mod config;
pub mod connection;
pub mod errors;
pub mod keylog;
pub mod packet;
pub mod stats;
pub mod tls;
pub mod token;
pub mod udp;

#[cfg(test)]
mod tests;
