//! Between two established connections: streams both ways, resets and stops, stream credit,
//! datagrams, closes, the idle timeout, loss, connection ids and send destinations.

use super::*;

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
