//! Native core of @matrixai/quic: quiche and boring behind napi classes, I/O-free state
//! machines that the JS layer drives (it owns sockets and time). Two optional Linux fast paths
//! touch the socket's fd, which Node's `dgram` still owns: batched sends (`udp.rs`) and the
//! batched, natively routed receive path (`receiver/`).
#![deny(clippy::all)]

pub mod address;
pub mod buffers;
pub mod clock;
pub mod config;
pub mod connection;
pub mod errors;
pub mod fast;
pub mod handles;
pub mod keylog;
pub mod packet;
pub mod receiver;
pub mod stats;
pub mod tls;
pub mod token;
pub mod udp;

#[cfg(test)]
mod tests;
