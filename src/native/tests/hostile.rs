//! Bad input: bad PEM and option values, garbage datagrams, bad addresses and ids, and seeded
//! mutation of real packets; each is an error naming its field, never a panic or a wedge.

use super::*;

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
