//! Handshakes: Retry, version negotiation, certificate verification and chain selection, mutual
//! TLS, resumption with 0-RTT, key logs, every key type.

use super::*;

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
    exchange(&mut server, &mut client, &saddr, &caddr);
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
    exchange(&mut server, &mut client, &saddr, &caddr);
    assert!(client.inner().is_established());
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
    exchange(&mut server, &mut client, &p.saddr, &p.caddr);
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
