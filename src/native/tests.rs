//! Two connections pumped through memory: every behaviour of the core without sockets.

use std::net::SocketAddr;

use napi::bindgen_prelude::{Buffer, Either};

use crate::address::encode;
use crate::config::{Config, ConfigOptions};
use crate::connection::Connection;
use crate::errors::ErrorCode;
use crate::packet;
use crate::token::TokenKey;

const CA: &str = include_str!("../../tests/fixtures/ca.crt");
const CA2: &str = include_str!("../../tests/fixtures/ca2.crt");
const EC_KEY: &str = include_str!("../../tests/fixtures/server-ec.key");
const EC_CRT: &str = include_str!("../../tests/fixtures/server-ec.crt");
const RSA_KEY: &str = include_str!("../../tests/fixtures/server-rsa.key");
const RSA_CRT: &str = include_str!("../../tests/fixtures/server-rsa.crt");
const ED_KEY: &str = include_str!("../../tests/fixtures/server-ed25519.key");
const ED_CRT: &str = include_str!("../../tests/fixtures/server-ed25519.crt");
const OTHER_KEY: &str = include_str!("../../tests/fixtures/other.key");
const OTHER_CRT: &str = include_str!("../../tests/fixtures/other.crt");
const CLIENT_KEY: &str = include_str!("../../tests/fixtures/client.key");
const CLIENT_CRT: &str = include_str!("../../tests/fixtures/client.crt");

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

#[test]
fn handshake_negotiates_alpn_and_verifies_the_server() {
    let mut p = Pipe::handshake(&client_opts(), &server_opts());
    assert_eq!(p.client.inner().application_proto(), b"quic-test");
    assert_eq!(p.server().inner().server_name(), Some("localhost"));
    let chain = p.client.inner().peer_cert_chain().unwrap();
    assert_eq!(chain.len(), 1);
    let ev = p.client.poll_raw();
    assert!(ev.is_established && !ev.is_closed);
    assert_eq!(ev.streams_left_bidi, 10.0);
}

#[test]
fn stream_data_flows_both_ways_with_fin() {
    let mut p = Pipe::handshake(&client_opts(), &server_opts());
    let id = p.client.open_stream_raw(true).unwrap().unwrap();
    assert_eq!(id, 0);
    let payload: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let mut sent = 0;
    let mut received = Vec::new();
    let mut fin = false;
    for _ in 0..MAX_ROUNDS {
        if sent < payload.len() {
            sent += p
                .client
                .stream_send_raw(id, &payload[sent..], true)
                .unwrap();
        }
        p.advance();
        let ev = p.server().poll_raw();
        if received.is_empty() && !ev.readable.is_empty() {
            assert_eq!(ev.opened, vec![0.0]);
        }
        let (chunk, f) = read_all(p.server(), id);
        received.extend(chunk);
        if f {
            fin = true;
            break;
        }
    }
    assert!(fin, "server saw no FIN");
    assert_eq!(received, payload);

    // The server answers on the same stream.
    assert_eq!(p.server().stream_send_raw(id, b"pong", true).unwrap(), 4);
    p.advance();
    let ev = p.client.poll_raw();
    assert_eq!(ev.readable, vec![0.0]);
    assert!(
        ev.opened.is_empty(),
        "a local stream is never reported as opened"
    );
    let (back, fin) = read_all(&mut p.client, id);
    assert_eq!((back.as_slice(), fin), (&b"pong"[..], true));
    assert!(p.client.inner().stream_finished(id));
}

#[test]
fn stream_read_returns_all_readable_in_one_buffer() {
    let mut p = Pipe::handshake(&client_opts(), &server_opts());
    let id = p.client.open_stream_raw(false).unwrap().unwrap();
    assert_eq!(id, 2);
    p.client.stream_send_raw(id, &[9u8; 10_000], true).unwrap();
    p.advance();
    let ev = p.server().poll_raw();
    assert_eq!(ev.opened, vec![2.0]);
    let (data, fin) = p.server().stream_read_raw(id, 1 << 20).unwrap().unwrap();
    assert_eq!(data.len(), 10_000);
    assert!(fin);
    // Once all of it and the FIN were read, quiche forgets the stream: it is finished for good.
    assert!(p.server().inner().stream_finished(id));
    assert_eq!(
        p.server().stream_read_raw(id, 1 << 20).unwrap_err().code,
        ErrorCode::InvalidStreamState
    );
}

#[test]
fn reset_and_stop_sending_carry_codes() {
    let mut p = Pipe::handshake(&client_opts(), &server_opts());
    let id = p.client.open_stream_raw(true).unwrap().unwrap();
    p.client.stream_send_raw(id, b"hello", false).unwrap();
    p.advance();
    p.server().poll_raw();
    // The client resets its sending side with code 42: the server's read fails with it.
    assert!(p.client.stream_shutdown_raw(id, true, 42).unwrap());
    p.advance();
    let mut buf = [0u8; 64];
    let mut err = None;
    for _ in 0..3 {
        match p.server().stream_recv_raw(id, &mut buf) {
            Err(e) => {
                err = Some(e);
                break;
            }
            Ok(_) => continue,
        }
    }
    let err = err.expect("reset not seen");
    assert_eq!(
        (err.code, err.wire_code, err.stream_id),
        (ErrorCode::StreamReset, Some(42), Some(id))
    );

    // The server stops reading a second stream with code 7: the client's writes fail with it.
    let id2 = p.client.open_stream_raw(true).unwrap().unwrap();
    assert_eq!(id2, 4);
    p.client.stream_send_raw(id2, b"x", false).unwrap();
    p.advance();
    p.server().poll_raw();
    p.server().stream_shutdown_raw(id2, false, 7).unwrap();
    p.advance();
    let ev = p.client.poll_raw();
    assert!(
        ev.writable.contains(&4.0),
        "a stopped stream is reported writable so the writer sees the error"
    );
    let err = p.client.stream_send_raw(id2, b"more", false).unwrap_err();
    assert_eq!(
        (err.code, err.wire_code),
        (ErrorCode::StreamStopped, Some(7))
    );
}

#[test]
fn writing_a_peer_uni_stream_is_a_stream_state_error() {
    let mut p = Pipe::handshake(&client_opts(), &server_opts());
    let id = p.client.open_stream_raw(false).unwrap().unwrap();
    p.client.stream_send_raw(id, b"a", false).unwrap();
    p.advance();
    let err = p.server().stream_send_raw(id, b"b", false).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidStreamState);
}

#[test]
fn stream_credit_runs_out_without_burning_ids() {
    let mut so = server_opts();
    so.initial_max_streams_bidi = Some(2.0);
    let mut p = Pipe::handshake(&client_opts(), &so);
    assert_eq!(p.client.open_stream_raw(true).unwrap(), Some(0));
    assert_eq!(p.client.open_stream_raw(true).unwrap(), Some(4));
    assert_eq!(p.client.open_stream_raw(true).unwrap(), None);
    assert_eq!(p.client.open_stream_raw(true).unwrap(), None);
    // Finish both streams both ways: the server grants more credit.
    for id in [0u64, 4] {
        p.client.stream_send_raw(id, b"q", true).unwrap();
    }
    p.advance();
    p.server().poll_raw();
    for id in [0u64, 4] {
        read_all(p.server(), id);
        p.server().stream_send_raw(id, b"a", true).unwrap();
    }
    p.advance();
    for id in [0u64, 4] {
        read_all(&mut p.client, id);
    }
    p.advance();
    let ev = p.client.poll_raw();
    assert!(ev.streams_left_bidi >= 1.0);
    assert_eq!(
        p.client.open_stream_raw(true).unwrap(),
        Some(8),
        "the next id follows the last one opened"
    );
}

#[test]
fn datagrams_flow_both_ways() {
    let mut p = Pipe::handshake(&client_opts(), &server_opts());
    assert!(p.client.inner().dgram_max_writable_len().unwrap() > 1000);
    p.client.inner_mut().dgram_send(b"ping").unwrap();
    p.advance();
    assert_eq!(p.server().poll_raw().dgrams_readable, 1);
    assert_eq!(p.server().next_dgram().unwrap(), b"ping");
    p.server().inner_mut().dgram_send(b"pong").unwrap();
    p.advance();
    assert_eq!(p.client.next_dgram().unwrap(), b"pong");
    assert!(p.client.next_dgram().is_none());
}

#[test]
fn application_close_reaches_the_peer_with_code_and_reason() {
    let mut p = Pipe::handshake(&client_opts(), &server_opts());
    p.server().inner_mut().close(true, 0x1234, b"bye").unwrap();
    p.advance();
    let e = p.client.inner().peer_error().unwrap();
    assert!(e.is_app);
    assert_eq!((e.error_code, e.reason.as_slice()), (0x1234, &b"bye"[..]));
    assert!(p.client.poll_raw().is_draining || p.client.inner().is_closed());
    assert_eq!(p.server().inner().local_error().unwrap().error_code, 0x1234);
}

#[test]
fn idle_timeout_closes_both_sides() {
    let mut co = client_opts();
    co.max_idle_timeout = Some(100.0);
    let mut p = Pipe::handshake(&co, &server_opts());
    let t = p.client.inner().timeout().unwrap();
    assert!(t <= std::time::Duration::from_millis(300), "deadline {t:?}");
    std::thread::sleep(std::time::Duration::from_millis(350));
    p.client.inner_mut().on_timeout();
    p.server().inner_mut().on_timeout();
    assert!(p.client.inner().is_closed() && p.client.inner().is_timed_out());
    assert!(p.server().inner().is_closed() && p.server().inner().is_timed_out());
}

#[test]
fn handshake_survives_loss() {
    let mut p = Pipe::new(&client_opts(), &server_opts());
    // Drop every third packet after the first; retransmission timers recover the rest.
    for _ in 0..50 {
        p.advance_lossy(&|i| i % 3 != 2);
        if p.client.inner().is_established() && p.server().inner().is_established() {
            break;
        }
        std::thread::sleep(
            p.client
                .inner()
                .timeout()
                .unwrap_or_default()
                .min(std::time::Duration::from_millis(50)),
        );
        p.client.inner_mut().on_timeout();
        p.server().inner_mut().on_timeout();
    }
    assert!(p.client.inner().is_established() && p.server().inner().is_established());
}

#[test]
fn retry_with_a_valid_token_completes_the_handshake() {
    let mut cc = config(&client_opts());
    let mut sc = config(&server_opts());
    let caddr = addr("127.0.0.1:50000");
    let saddr = addr("127.0.0.1:4433");
    let mut client =
        Connection::connect_raw(&mut cc, Some("localhost"), &[1u8; 20], &caddr, &saddr, None)
            .unwrap();
    let keys = TokenKey::from_secret(b"k", 10_000);

    let mut out = vec![0u8; 1500];
    let mut meta = [0u32; 3];
    client.send_raw(&mut out, &mut meta).unwrap();
    let hdr = packet::parse(&mut out[..meta[1] as usize], 20).unwrap();
    assert!(hdr.token.as_ref().is_none_or(|t| t.is_empty()));
    let new_scid = packet::random_bytes(20);
    let token = keys.mint_at(&hdr.dcid, &caddr, 0);
    let mut retry = vec![0u8; 1500];
    let n = packet::write_retry(
        &hdr.scid,
        &hdr.dcid,
        &new_scid,
        &token,
        hdr.version,
        &mut retry,
    )
    .unwrap();
    client.recv_raw(&mut retry[..n], &saddr, None).unwrap();

    client.send_raw(&mut out, &mut meta).unwrap();
    let len = meta[1] as usize;
    let hdr2 = packet::parse(&mut out[..len].to_vec(), 20).unwrap();
    assert_eq!(hdr2.dcid.as_ref(), new_scid.as_slice());
    let odcid = keys
        .validate_at(hdr2.token.as_ref().unwrap(), &caddr, 1)
        .unwrap();
    assert_eq!(odcid, hdr.dcid.to_vec());
    // The token is refused from another port.
    assert!(keys
        .validate_at(hdr2.token.as_ref().unwrap(), &addr("127.0.0.1:50001"), 1)
        .is_err());

    let mut server =
        Connection::accept_raw(&mut sc, &hdr2.dcid, Some(&odcid), &saddr, &caddr).unwrap();
    server.recv_raw(&mut out[..len], &caddr, None).unwrap();
    for _ in 0..MAX_ROUNDS {
        if flight(&mut server, &mut client, &saddr, &|_| true)
            + flight(&mut client, &mut server, &caddr, &|_| true)
            == 0
        {
            break;
        }
    }
    assert!(client.inner().is_established() && server.inner().is_established());
}

#[test]
fn version_negotiation_packet_lists_our_version() {
    let mut out = vec![0u8; 1500];
    let n = packet::write_version_negotiation(&[1, 2, 3, 4], &[5, 6, 7, 8], &mut out).unwrap();
    let hdr = packet::parse(&mut out[..n], 4).unwrap();
    assert_eq!(hdr.ty, "versionNegotiation");
    assert_eq!(hdr.dcid.as_ref(), &[1, 2, 3, 4], "the answer swaps the ids");
    assert!(hdr.versions.unwrap().contains(&quiche::PROTOCOL_VERSION));
}

#[test]
fn client_with_unknown_version_recovers_through_version_negotiation() {
    let cfg = |o: &ConfigOptions, version: u32| {
        let mut c = config(o);
        let tls = crate::tls::build_context(&crate::tls::TlsOptions {
            keys: o
                .key
                .as_ref()
                .map(|_| vec![EC_KEY.as_bytes().to_vec()])
                .unwrap_or_default(),
            certs: o
                .cert
                .as_ref()
                .map(|_| vec![EC_CRT.as_bytes().to_vec()])
                .unwrap_or_default(),
            ca: vec![CA.as_bytes().to_vec()],
            verify_peer: o.key.is_none(),
            ..Default::default()
        })
        .unwrap();
        let mut q = quiche::Config::with_boring_ssl_ctx_builder(version, tls).unwrap();
        q.set_application_protos(&[b"quic-test"]).unwrap();
        q.set_initial_max_data(1 << 20);
        q.set_initial_max_streams_bidi(4);
        c.inner = q;
        c
    };
    let mut cc = cfg(&client_opts(), 0xbaba_baba);
    let mut sc = cfg(&server_opts(), quiche::PROTOCOL_VERSION);
    let caddr = addr("[::1]:50000");
    let saddr = addr("[::1]:4433");
    let mut client =
        Connection::connect_raw(&mut cc, Some("localhost"), &[3u8; 20], &caddr, &saddr, None)
            .unwrap();
    let mut out = vec![0u8; 1500];
    let mut meta = [0u32; 3];
    client.send_raw(&mut out, &mut meta).unwrap();
    let hdr = packet::parse(&mut out[..meta[1] as usize], 20).unwrap();
    assert!(!packet::version_is_supported(hdr.version));
    let mut vn = vec![0u8; 1500];
    let n = packet::write_version_negotiation(&hdr.scid, &hdr.dcid, &mut vn).unwrap();
    client.recv_raw(&mut vn[..n], &saddr, None).unwrap();
    client.send_raw(&mut out, &mut meta).unwrap();
    let len = meta[1] as usize;
    let hdr = packet::parse(&mut out[..len].to_vec(), 20).unwrap();
    assert_eq!(hdr.version, quiche::PROTOCOL_VERSION);
    let mut server = Connection::accept_raw(&mut sc, &[4u8; 20], None, &saddr, &caddr).unwrap();
    server.recv_raw(&mut out[..len], &caddr, None).unwrap();
    for _ in 0..MAX_ROUNDS {
        if flight(&mut server, &mut client, &saddr, &|_| true)
            + flight(&mut client, &mut server, &caddr, &|_| true)
            == 0
        {
            break;
        }
    }
    assert!(client.inner().is_established());
}

#[test]
fn bad_pem_names_the_field() {
    let e = Config::from_options(&ConfigOptions {
        key: pem("nope"),
        cert: pem(EC_CRT),
        ..base()
    })
    .err()
    .unwrap();
    assert_eq!((e.code, e.field), (ErrorCode::InvalidPem, Some("key")));
    let e = Config::from_options(&ConfigOptions {
        key: pem(EC_KEY),
        cert: pem("junk"),
        ..base()
    })
    .err()
    .unwrap();
    assert_eq!((e.code, e.field), (ErrorCode::InvalidPem, Some("cert")));
    let e = Config::from_options(&ConfigOptions {
        key: pem(RSA_KEY),
        cert: pem(EC_CRT),
        ..base()
    })
    .err()
    .unwrap();
    assert_eq!(
        (e.code, e.field),
        (ErrorCode::InvalidPem, Some("key")),
        "a key that does not match its cert"
    );
    let e = Config::from_options(&ConfigOptions {
        ca: pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
        ..base()
    })
    .err()
    .unwrap();
    assert_eq!((e.code, e.field), (ErrorCode::InvalidPem, Some("ca")));
}

#[test]
fn bad_values_name_the_field() {
    let cases: Vec<(ConfigOptions, &str)> = vec![
        (
            ConfigOptions {
                max_idle_timeout: Some(-1.0),
                ..base()
            },
            "maxIdleTimeout",
        ),
        (
            ConfigOptions {
                initial_max_data: Some(1.5),
                ..base()
            },
            "initialMaxData",
        ),
        (
            ConfigOptions {
                max_recv_udp_payload_size: Some(100.0),
                ..base()
            },
            "maxRecvUdpPayloadSize",
        ),
        (
            ConfigOptions {
                cc_algorithm: Some("vegas".into()),
                ..base()
            },
            "ccAlgorithm",
        ),
        (
            ConfigOptions {
                ticket_key: Some(Buffer::from(vec![0u8; 3])),
                ..base()
            },
            "ticketKey",
        ),
        (
            ConfigOptions {
                connection_id_length: Some(21.0),
                ..base()
            },
            "connectionIdLength",
        ),
        (
            ConfigOptions {
                application_protos: Some(vec![String::new()]),
                ..base()
            },
            "applicationProtos",
        ),
        (
            ConfigOptions {
                sigalgs: Some("not_an_alg".into()),
                ..base()
            },
            "sigalgs",
        ),
        (
            ConfigOptions {
                active_connection_id_limit: Some(1.0),
                ..base()
            },
            "activeConnectionIdLimit",
        ),
    ];
    for (o, field) in cases {
        let e = Config::from_options(&o)
            .err()
            .unwrap_or_else(|| panic!("{field} accepted"));
        assert_eq!((e.code, e.field), (ErrorCode::InvalidConfig, Some(field)));
    }
    for cc in ["reno", "cubic", "bbr2"] {
        Config::from_options(&ConfigOptions {
            cc_algorithm: Some(cc.into()),
            ..base()
        })
        .unwrap();
    }
}

#[test]
fn garbage_datagrams_are_dropped_or_refused_without_harm() {
    let mut p = Pipe::handshake(&client_opts(), &server_opts());
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let caddr = p.caddr.clone();
    for i in 0..2000 {
        // xorshift: deterministic garbage of varied lengths and first bytes.
        let len = 1 + (i * 37) % 1400;
        let mut junk: Vec<u8> = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as u8
            })
            .collect();
        if i % 2 == 0 {
            // A short header with the server's own DCID: reaches packet decryption.
            junk[0] = 0x40 | (junk[0] & 0x3f);
            let dcid = p.server().inner().source_id().into_owned();
            let end = (1 + dcid.len()).min(junk.len());
            junk[1..end].copy_from_slice(&dcid[..end - 1]);
        }
        let _ = p.server().recv_raw(&mut junk, &caddr, None);
        // Either outcome is fine for garbage; what is tested is that parsing it cannot panic.
        let _ = packet::parse(&mut junk, 20);
    }
    assert!(
        !p.server().inner().is_closed(),
        "garbage closed the connection: {:?}",
        p.server().inner().local_error()
    );
    let id = p.client.open_stream_raw(true).unwrap().unwrap();
    p.client.stream_send_raw(id, b"still alive", true).unwrap();
    p.advance();
    p.server().poll_raw();
    assert_eq!(read_all(p.server(), id).0, b"still alive");
}

#[test]
fn bad_addresses_and_ids_are_argument_errors() {
    let mut cc = config(&client_opts());
    let e = Connection::connect_raw(
        &mut cc,
        None,
        &[1; 20],
        &[1, 2, 3],
        &addr("127.0.0.1:1"),
        None,
    )
    .err()
    .unwrap();
    assert_eq!(
        (e.code, e.field),
        (ErrorCode::InvalidArgument, Some("local"))
    );
    let e = Connection::connect_raw(
        &mut cc,
        None,
        &[],
        &addr("127.0.0.1:1"),
        &addr("127.0.0.1:1"),
        None,
    )
    .err()
    .unwrap();
    assert_eq!(
        (e.code, e.field),
        (ErrorCode::InvalidArgument, Some("scid"))
    );
    let mut p = Pipe::handshake(&client_opts(), &server_opts());
    let e = p
        .client
        .recv_raw(&mut [0u8; 10], &[0u8; 5], None)
        .unwrap_err();
    assert_eq!(e.field, Some("from"));
    let e = p
        .client
        .send_raw(&mut [0u8; 1500], &mut [0u32; 2])
        .unwrap_err();
    assert_eq!(e.field, Some("meta"));
}

#[test]
fn server_picks_the_chain_by_sni_and_key_type() {
    let multi = ConfigOptions {
        key: pems(&[RSA_KEY, EC_KEY, ED_KEY, OTHER_KEY]),
        cert: pems(&[RSA_CRT, EC_CRT, ED_CRT, OTHER_CRT]),
        ..base()
    };
    let leaf = |p: &mut Pipe| p.client.inner().peer_cert_chain().unwrap()[0].to_vec();
    let der = |pem: &str| {
        boring::x509::X509::from_pem(pem.as_bytes())
            .unwrap()
            .to_der()
            .unwrap()
    };

    // Only ECDSA offered: the EC chain, though RSA comes first.
    let co = ConfigOptions {
        sigalgs: Some("ecdsa_secp256r1_sha256".into()),
        ..client_opts()
    };
    let mut p = Pipe::handshake(&co, &multi);
    assert_eq!(leaf(&mut p), der(EC_CRT));

    let co = ConfigOptions {
        sigalgs: Some("ed25519".into()),
        ..client_opts()
    };
    let mut p = Pipe::handshake(&co, &multi);
    assert_eq!(leaf(&mut p), der(ED_CRT));

    // Everything offered: the first chain that serves the name.
    let mut p = Pipe::handshake(&client_opts(), &multi);
    assert_eq!(leaf(&mut p), der(RSA_CRT));

    // Another name: the chain for that name.
    let mut p = Pipe::with_name(&client_opts(), &multi, Some("other.test"));
    p.advance();
    assert!(p.client.inner().is_established());
    assert_eq!(leaf(&mut p), der(OTHER_CRT));
}

#[test]
fn unknown_ca_fails_the_handshake_with_a_tls_alert() {
    let co = ConfigOptions {
        ca: pem(CA2),
        ..client_opts()
    };
    let mut p = Pipe::new(&co, &server_opts());
    p.advance();
    assert!(!p.client.inner().is_established());
    let e = p.client.inner().local_error().unwrap();
    assert!(!e.is_app);
    // CRYPTO_ERROR 0x100 + TLS alert; unknown_ca is 48.
    assert_eq!(e.error_code, 0x100 + 48);
}

#[test]
fn wrong_server_name_fails_verification() {
    let mut p = Pipe::with_name(&client_opts(), &server_opts(), Some("elsewhere.test"));
    p.advance();
    assert!(!p.client.inner().is_established());
    assert!(p.client.inner().local_error().unwrap().error_code >= 0x100);
}

#[test]
fn verify_allow_fail_leaves_judgement_to_the_caller() {
    let co = ConfigOptions {
        ca: pem(CA2),
        verify_allow_fail: Some(true),
        ..client_opts()
    };
    let p = Pipe::handshake(&co, &server_opts());
    assert_eq!(p.client.inner().peer_cert_chain().unwrap().len(), 1);
}

#[test]
fn mutual_tls_requires_a_client_certificate() {
    let so = ConfigOptions {
        verify_peer: Some(true),
        ca: pem(CA),
        ..server_opts()
    };
    let mut p = Pipe::new(&client_opts(), &so);
    p.advance();
    assert!(
        !p.server().inner().is_established(),
        "a client without a certificate got in"
    );

    let co = ConfigOptions {
        key: pem(CLIENT_KEY),
        cert: pem(CLIENT_CRT),
        ..client_opts()
    };
    let mut p = Pipe::handshake(&co, &so);
    assert_eq!(p.server().inner().peer_cert_chain().unwrap().len(), 1);
}

#[test]
fn connection_ids_are_issued_and_reported() {
    let mut p = Pipe::handshake(&client_opts(), &server_opts());
    let ev = p.server().poll_raw();
    assert!(
        !ev.scids_issued.is_empty(),
        "no spare connection ids issued"
    );
    for cid in &ev.scids_issued {
        assert_eq!(cid.len(), 20);
    }
    p.advance();
    assert!(p.server().inner().source_ids().count() > 1);
}

#[test]
fn send_reports_destinations_through_the_table() {
    let mut p = Pipe::handshake(&client_opts(), &server_opts());
    p.client.open_stream_raw(true).unwrap();
    p.client.stream_send_raw(0, b"x", false).unwrap();
    let mut out = vec![0u8; 15000];
    let mut meta = vec![0u32; 21];
    let n = p.client.send_raw(&mut out, &mut meta).unwrap();
    assert!(n >= 1);
    assert_eq!(meta[2], 0);
    assert_eq!(
        p.client.destinations_raw(),
        vec!["127.0.0.1:4433".parse::<SocketAddr>().unwrap()]
    );
}

#[test]
fn session_resumption_with_a_ticket() {
    let so = ConfigOptions {
        ticket_key: Some(Buffer::from(vec![5u8; 48])),
        enable_early_data: Some(true),
        ..server_opts()
    };
    let co = ConfigOptions {
        enable_early_data: Some(true),
        ..client_opts()
    };
    let mut p = Pipe::handshake(&co, &so);
    p.advance();
    let session = p
        .client
        .inner()
        .session()
        .expect("no session ticket")
        .to_vec();

    let mut cc = config(&co);
    let mut client = Connection::connect_raw(
        &mut cc,
        Some("localhost"),
        &[9u8; 20],
        &p.caddr,
        &p.saddr,
        Some(&session),
    )
    .unwrap();
    // 0-RTT: stream data can be queued before the handshake.
    let id = client.open_stream_raw(true).unwrap();
    assert_eq!(
        id,
        Some(0),
        "resumed transport parameters allow a stream in 0-RTT"
    );
    client.stream_send_raw(0, b"early", true).unwrap();
    let mut sc = config(&so);
    let mut out = vec![0u8; 64 * 1500];
    let mut meta = vec![0u32; 129];
    let n = client.send_raw(&mut out, &mut meta).unwrap() as usize;
    assert!(client.inner().is_in_early_data());
    let mut server = Connection::accept_raw(&mut sc, &[8u8; 20], None, &p.saddr, &p.caddr).unwrap();
    let mut off = 0;
    for i in 0..n {
        let len = meta[1 + 2 * i] as usize;
        server
            .recv_raw(&mut out[off..off + len], &p.caddr, None)
            .unwrap();
        off += len;
    }
    assert!(server.inner().is_in_early_data() || server.inner().is_established());
    let ev = server.poll_raw();
    assert_eq!(ev.opened, vec![0.0]);
    assert_eq!(read_all(&mut server, 0), (b"early".to_vec(), true));
    for _ in 0..MAX_ROUNDS {
        if flight(&mut server, &mut client, &p.saddr, &|_| true)
            + flight(&mut client, &mut server, &p.caddr, &|_| true)
            == 0
        {
            break;
        }
    }
    assert!(client.inner().is_resumed());
}

#[test]
fn keylog_appends_secrets_for_every_connection() {
    let path = std::env::temp_dir().join(format!("quic-keylog-{}.txt", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let co = ConfigOptions {
        log_keys: Some(path.to_string_lossy().into_owned()),
        ..client_opts()
    };
    Pipe::handshake(&co, &server_opts());
    let first = std::fs::read_to_string(&path).unwrap();
    assert!(first.contains("CLIENT_HANDSHAKE_TRAFFIC_SECRET"));
    Pipe::handshake(&co, &server_opts());
    let both = std::fs::read_to_string(&path).unwrap();
    assert!(both.len() > first.len() && both.starts_with(&first));
    let _ = std::fs::remove_file(&path);
}

#[test]
fn every_key_type_works_with_default_client_settings() {
    for (key, crt) in [(RSA_KEY, RSA_CRT), (EC_KEY, EC_CRT), (ED_KEY, ED_CRT)] {
        let so = ConfigOptions {
            key: pem(key),
            cert: pem(crt),
            ..base()
        };
        Pipe::handshake(&client_opts(), &so);
    }
}

/// Seeded mutation fuzzing of header parsing and `Connection::recv` with real packets as seeds
/// (a bounded stand-in for `cargo fuzz`, which needs a nightly toolchain). `FUZZ_CASES` and
/// `FUZZ_SEED` scale and replay it.
#[test]
fn mutated_packets_never_panic_or_wedge_a_connection() {
    let cases: usize = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let mut seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x9e37_79b9_7f4a_7c15);
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    // Seeds: every packet of a handshake and a short transfer.
    let mut p = Pipe::new(&client_opts(), &server_opts());
    let mut out = vec![0u8; 1500];
    let mut meta = [0u32; 3];
    let mut corpus: Vec<Vec<u8>> = Vec::new();
    let mut other = Pipe::new(&client_opts(), &server_opts());
    other.client.send_raw(&mut out, &mut meta).unwrap();
    corpus.push(out[..meta[1] as usize].to_vec());
    p.advance();
    let id = p.client.open_stream_raw(true).unwrap().unwrap();
    p.client.stream_send_raw(id, b"seed data", true).unwrap();
    while p.client.send_raw(&mut out, &mut meta).unwrap() > 0 {
        corpus.push(out[..meta[1] as usize].to_vec());
    }
    let caddr = p.caddr.clone();
    for _ in 0..cases {
        let mut m = corpus[(next() as usize) % corpus.len()].clone();
        match next() % 4 {
            0 => {
                for _ in 0..1 + next() % 8 {
                    let i = (next() as usize) % m.len();
                    m[i] ^= 1 << (next() % 8);
                }
            }
            1 => m.truncate((next() as usize) % (m.len() + 1)),
            2 => m.extend((0..next() % 64).map(|_| next() as u8)),
            _ => {
                let i = (next() as usize) % m.len();
                m[i] = next() as u8;
            }
        }
        if m.is_empty() {
            continue;
        }
        let _ = packet::parse(&mut m.clone(), 20);
        let _ = p.server().recv_raw(&mut m, &caddr, None);
    }
    // Mutated copies of real packets fail authentication: the connection is untouched.
    assert!(
        !p.server().inner().is_closed(),
        "{:?}",
        p.server().inner().local_error()
    );
    p.advance();
    p.server().poll_raw();
    assert_eq!(read_all(p.server(), id), (b"seed data".to_vec(), true));
}

/// Patch quiche-0.30.0-unflushable-queued: a PTO queues the frames of the oldest packets in
/// flight to be sent again; if the originals are acknowledged before that (their ACK was only
/// late), the ACK drops the bytes but leaves the stream queued with nothing to send. A stream
/// queued behind it must still go out in the same send loop, not after a spurious `Done`.
#[test]
fn a_stream_queued_with_nothing_to_send_does_not_end_the_send_loop() {
    let mut p = Pipe::handshake(&client_opts(), &server_opts());
    p.advance();
    let (caddr, saddr) = (p.caddr.clone(), p.saddr.clone());
    let mut out = vec![0u8; 64 * 1500];
    let mut meta = vec![0u32; 1 + 2 * 64];
    // Stream 0's packet, then stream 4's (urgent, so it leads the queue), held back: not lost,
    // only late.
    let mut held = Vec::new();
    let mut send_held = |c: &mut Connection, held: &mut Vec<Vec<u8>>| {
        let n = c.send_raw(&mut out, &mut meta).unwrap() as usize;
        let mut off = 0;
        for i in 0..n {
            let len = meta[1 + 2 * i] as usize;
            held.push(out[off..off + len].to_vec());
            off += len;
        }
        n
    };
    p.client.stream_send_raw(0, &[1u8; 1000], false).unwrap();
    assert_eq!(send_held(&mut p.client, &mut held), 1);
    p.client.stream_send_raw(4, &[2u8; 1000], false).unwrap();
    p.client.inner_mut().stream_priority(4, 0, false).unwrap();
    assert_eq!(send_held(&mut p.client, &mut held), 1);
    // The PTO: both packets' frames are queued again. One probe goes, carrying stream 4's.
    std::thread::sleep(p.client.inner().timeout().unwrap());
    p.client.inner_mut().on_timeout();
    p.client.stream_send_raw(4, &[2u8; 1000], false).unwrap();
    let mut probe = vec![0u8; 1500];
    p.client.inner_mut().send(&mut probe).unwrap();
    // The originals arrive after all and are acknowledged: stream 0's queued bytes are dropped.
    let server = p.server.as_mut().unwrap();
    for mut pkt in held {
        server.recv_raw(&mut pkt, &caddr, None).unwrap();
    }
    flight(server, &mut p.client, &saddr, &|_| true);
    // Stream 8's bytes, queued behind stream 0, go in one send loop.
    p.client.stream_send_raw(8, &[3u8; 800], false).unwrap();
    flight(&mut p.client, server, &caddr, &|_| true);
    assert!(
        server.inner().stream_readable(8),
        "stream 8's bytes waited behind a stream with nothing to send"
    );
    assert_eq!(read_all(server, 8).0, vec![3u8; 800]);
}
