//! Two connections pumped through memory: every behaviour of the core without sockets.

use std::net::SocketAddr;

use napi::bindgen_prelude::{Buffer, Either};

use crate::address::encode;
use crate::config::{Config, ConfigOptions};
use crate::connection::Connection;
use crate::errors::ErrorCode;
use crate::packet;
use crate::token::TokenKey;

const CA: &str = include_str!("../../../tests/fixtures/ca.crt");
const CA2: &str = include_str!("../../../tests/fixtures/ca2.crt");
const EC_KEY: &str = include_str!("../../../tests/fixtures/server-ec.key");
const EC_CRT: &str = include_str!("../../../tests/fixtures/server-ec.crt");
const RSA_KEY: &str = include_str!("../../../tests/fixtures/server-rsa.key");
const RSA_CRT: &str = include_str!("../../../tests/fixtures/server-rsa.crt");
const ED_KEY: &str = include_str!("../../../tests/fixtures/server-ed25519.key");
const ED_CRT: &str = include_str!("../../../tests/fixtures/server-ed25519.crt");
const OTHER_KEY: &str = include_str!("../../../tests/fixtures/other.key");
const OTHER_CRT: &str = include_str!("../../../tests/fixtures/other.crt");
const CLIENT_KEY: &str = include_str!("../../../tests/fixtures/client.key");
const CLIENT_CRT: &str = include_str!("../../../tests/fixtures/client.crt");

const MAX_ROUNDS: usize = 200;

fn pem(s: &str) -> Option<crate::config::PemInput> {
    Some(Either::A(Either::A(s.to_string())))
}

fn pems(list: &[&str]) -> Option<crate::config::PemInput> {
    Some(Either::B(
        list.iter().map(|s| Either::A(s.to_string())).collect(),
    ))
}

fn base() -> ConfigOptions {
    ConfigOptions {
        application_protos: Some(vec!["quic-test".into()]),
        max_idle_timeout: Some(5000.0),
        initial_max_data: Some(10_000_000.0),
        initial_max_stream_data_bidi_local: Some(1_000_000.0),
        initial_max_stream_data_bidi_remote: Some(1_000_000.0),
        initial_max_stream_data_uni: Some(1_000_000.0),
        initial_max_streams_bidi: Some(10.0),
        initial_max_streams_uni: Some(10.0),
        enable_dgram: Some(true),
        active_connection_id_limit: Some(4.0),
        ..Default::default()
    }
}

fn server_opts() -> ConfigOptions {
    ConfigOptions {
        key: pem(EC_KEY),
        cert: pem(EC_CRT),
        ..base()
    }
}

fn client_opts() -> ConfigOptions {
    ConfigOptions {
        verify_peer: Some(true),
        ca: pem(CA),
        ..base()
    }
}

fn config(o: &ConfigOptions) -> Config {
    Config::from_options(o).expect("config")
}

fn addr(s: &str) -> Vec<u8> {
    encode(&s.parse::<SocketAddr>().unwrap())
}

struct Pipe {
    client: Connection,
    server: Option<Connection>,
    server_config: Config,
    caddr: Vec<u8>,
    saddr: Vec<u8>,
}

/// Sends every packet `from` has ready into `to`; returns how many were sent. `keep` decides,
/// per packet index, whether it is delivered (loss).
fn flight(
    from: &mut Connection,
    to: &mut Connection,
    from_addr: &[u8],
    keep: &dyn Fn(usize) -> bool,
) -> usize {
    let mut out = vec![0u8; 64 * 1500];
    let mut meta = vec![0u32; 1 + 2 * 64];
    let mut total = 0;
    loop {
        let n = from.send_raw(&mut out, &mut meta).unwrap() as usize;
        let mut off = 0;
        for i in 0..n {
            let len = meta[1 + 2 * i] as usize;
            if keep(total + i) {
                let _ = to.recv_raw(&mut out[off..off + len], from_addr, None);
            }
            off += len;
        }
        total += n;
        if n < 64 {
            return total;
        }
    }
}

/// Exchanges packets between `server` and `client`, the server's first, until neither has
/// anything to send (bounded).
fn exchange(server: &mut Connection, client: &mut Connection, saddr: &[u8], caddr: &[u8]) {
    for _ in 0..MAX_ROUNDS {
        if flight(server, client, saddr, &|_| true) + flight(client, server, caddr, &|_| true) == 0
        {
            return;
        }
    }
    panic!("the connections did not settle in {MAX_ROUNDS} rounds");
}

impl Pipe {
    fn new(client_opts: &ConfigOptions, server_opts: &ConfigOptions) -> Pipe {
        Pipe::with_name(client_opts, server_opts, Some("localhost"))
    }

    fn with_name(
        client_opts: &ConfigOptions,
        server_opts: &ConfigOptions,
        name: Option<&str>,
    ) -> Pipe {
        let mut cc = config(client_opts);
        let caddr = addr("127.0.0.1:50000");
        let saddr = addr("127.0.0.1:4433");
        let client = Connection::connect_raw(
            &mut cc,
            name,
            &packet::random_bytes(20),
            &caddr,
            &saddr,
            None,
        )
        .unwrap();
        Pipe {
            client,
            server: None,
            server_config: config(server_opts),
            caddr,
            saddr,
        }
    }

    /// Delivers the client's first flight, creating the server connection from its Initial.
    fn first_flight(&mut self) {
        let mut out = vec![0u8; 1500];
        let mut meta = [0u32; 3];
        let n = self.client.send_raw(&mut out, &mut meta).unwrap();
        assert_eq!(n, 1);
        let len = meta[1] as usize;
        let hdr = packet::parse(&mut out[..len].to_vec(), 20).unwrap();
        assert_eq!(hdr.ty, "initial");
        let mut server = Connection::accept_raw(
            &mut self.server_config,
            &packet::random_bytes(20),
            None,
            &self.saddr,
            &self.caddr,
        )
        .unwrap();
        server.recv_raw(&mut out[..len], &self.caddr, None).unwrap();
        self.server = Some(server);
    }

    /// Runs the handshake until the client is established (it sends only ACKs meanwhile) and
    /// holds its next flight, its Finished, back: the server's handshake is not complete yet.
    fn until_client_established(&mut self) {
        self.first_flight();
        let all = |_: usize| true;
        let server = self.server.as_mut().unwrap();
        for _ in 0..10 {
            flight(server, &mut self.client, &self.saddr, &all);
            if self.client.inner().is_established() {
                return;
            }
            flight(&mut self.client, server, &self.caddr, &all);
        }
        panic!("the client was not established in 10 rounds");
    }

    fn server(&mut self) -> &mut Connection {
        self.server.as_mut().unwrap()
    }

    /// Exchanges packets until neither side has anything to send (bounded).
    fn advance(&mut self) {
        self.advance_lossy(&|_| true)
    }

    fn advance_lossy(&mut self, keep: &dyn Fn(usize) -> bool) {
        if self.server.is_none() {
            self.first_flight();
        }
        let server = self.server.as_mut().unwrap();
        for _ in 0..MAX_ROUNDS {
            let a = flight(&mut self.client, server, &self.caddr, keep);
            let b = flight(server, &mut self.client, &self.saddr, keep);
            if a + b == 0 {
                return;
            }
        }
        panic!("pipe did not settle in {MAX_ROUNDS} rounds");
    }

    fn handshake(client_opts: &ConfigOptions, server_opts: &ConfigOptions) -> Pipe {
        let mut p = Pipe::new(client_opts, server_opts);
        p.advance();
        assert!(
            p.client.inner().is_established(),
            "client not established: {:?}",
            p.client.inner().local_error()
        );
        assert!(p.server().inner().is_established());
        p
    }
}

/// quiche's clock on this thread, set to a fixed origin and moved only by `at`; dropping it
/// gives the thread back the real clock (also when the test fails, so no later test on the
/// thread reads virtual time).
struct VirtualTime(std::time::Instant);

impl VirtualTime {
    fn start() -> VirtualTime {
        let origin = std::time::Instant::now();
        quiche::clock::set(Some(origin));
        VirtualTime(origin)
    }

    /// `secs` seconds after the origin.
    fn at(&self, secs: u64) {
        quiche::clock::set(Some(self.0 + std::time::Duration::from_secs(secs)));
    }
}

impl Drop for VirtualTime {
    fn drop(&mut self) {
        quiche::clock::set(None);
    }
}

fn read_all(conn: &mut Connection, id: u64) -> (Vec<u8>, bool) {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    while let Some((n, fin)) = conn.stream_recv_raw(id, &mut buf).unwrap() {
        data.extend_from_slice(&buf[..n]);
        if fin {
            return (data, true);
        }
    }
    (data, false)
}

mod handshake;
mod hostile;
mod patches;
mod transfer;
