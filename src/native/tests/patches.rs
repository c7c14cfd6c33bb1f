//! One test per carried quiche patch whose fix shows between two connections: each fails
//! without its patch.

use super::*;

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

/// Patch quiche-0.30.0-virtual-clock: quiche reads the time a thread sets. On a virtual clock a
/// connection's idle timeout passes when the clock moves past it, with no wall time spent, and
/// quiche's deadline is measured on that clock; back on the real clock nothing has timed out.
#[test]
fn quiche_reads_the_virtual_clock_a_thread_sets() {
    let time = VirtualTime::start();
    let mut co = client_opts();
    co.max_idle_timeout = Some(30_000.0);
    let mut so = server_opts();
    so.max_idle_timeout = Some(30_000.0);
    let mut p = Pipe::handshake(&co, &so);
    let deadline = p.client.inner().timeout().expect("an idle deadline");
    assert!(
        deadline > std::time::Duration::from_secs(20),
        "deadline {deadline:?}"
    );
    time.at(40);
    assert_eq!(p.client.inner().timeout(), Some(std::time::Duration::ZERO));
    p.client.inner_mut().on_timeout();
    let timed_out = p.client.inner().is_timed_out();
    drop(time);
    assert!(timed_out, "40 virtual seconds passed a 30 s idle timeout");
    // The real clock is back: the server's 30 s have not passed.
    p.server().inner_mut().on_timeout();
    assert!(!p.server().inner().is_closed());
}

/// Patch quiche-0.30.0-closing-probe-loop: a client whose handshake is not confirmed closes with
/// an application error while its congestion window is full (the close must wait) and its
/// Handshake-space Finished is unacknowledged. When the PTO fires, quiche picks the Handshake
/// space for the probe, but a closing connection adds no PING and an application close goes
/// only in 1-RTT packets: each packet carries an ACK alone, the probe is never sent, and
/// `send()` built such packets without end (found by the simulation: 2 million in one turn).
#[test]
fn a_closing_connection_with_a_handshake_probe_due_stops_sending() {
    let time = VirtualTime::start();
    let mut p = Pipe::new(&client_opts(), &server_opts());
    p.until_client_established();
    let none = |_: usize| false;
    let server = p.server.as_mut().unwrap();
    // The client's Finished and everything after it are lost: nothing of its is acknowledged.
    let id = p.client.open_stream_raw(true).unwrap().unwrap();
    let data = vec![7u8; 100_000];
    let mut sent = 0;
    while sent < data.len() {
        match p.client.stream_send_raw(id, &data[sent..], false).unwrap() {
            0 => break,
            n => sent += n,
        }
    }
    flight(&mut p.client, server, &p.caddr, &none);
    p.client.inner_mut().close(true, 0, b"bye").unwrap();
    flight(&mut p.client, server, &p.caddr, &none);
    time.at(2);
    p.client.inner_mut().on_timeout();
    let mut out = vec![0u8; 64 * 1500];
    let mut meta = vec![0u32; 1 + 2 * 64];
    let mut packets = 0;
    for _ in 0..100 {
        let n = p.client.send_raw(&mut out, &mut meta).unwrap() as usize;
        packets += n;
        if n == 0 {
            break;
        }
    }
    assert!(
        packets < 64,
        "{packets} packets after the PTO: the send loop does not end"
    );
}

/// Patch quiche-0.30.0-close-in-1rtt-too: a client that closes with a transport error after its
/// handshake completed but before it was confirmed (a `verifyCallback` rejecting the server)
/// sent its CONNECTION_CLOSE only in a Handshake packet; the server, whose handshake completed
/// with the client's Finished, had dropped its Handshake keys, so it never read the close and
/// held the connection until its idle timeout.
#[test]
fn a_close_before_the_handshake_is_confirmed_reaches_a_server_that_dropped_its_handshake_keys() {
    let mut p = Pipe::new(&client_opts(), &server_opts());
    p.until_client_established();
    let all = |_: usize| true;
    let server = p.server.as_mut().unwrap();
    // The client's Finished: the server's handshake completes (and is confirmed) here.
    flight(&mut p.client, server, &p.caddr, &all);
    assert!(server.inner().is_established());
    p.client
        .inner_mut()
        .close(false, 0x100 + 42, b"certificate rejected")
        .unwrap();
    flight(&mut p.client, server, &p.caddr, &all);
    let err = server
        .inner()
        .peer_error()
        .map(|e| (e.is_app, e.error_code));
    assert_eq!(
        err,
        Some((false, 0x100 + 42)),
        "the server never read the close"
    );
}

/// Patch quiche-0.30.0-unconfirmed-probe-1rtt: a client whose handshake is complete but not
/// confirmed (the server's HANDSHAKE_DONE lost) sent its PTO probes only in Handshake packets,
/// which the server, its own handshake complete, could no longer read. After a NAT rebinding
/// nothing of the client's reached the server, and the connection ended at the idle timeout
/// (found by the simulation: 11 of 100,000 seeds). The probe now carries a 1-RTT packet too.
#[test]
fn a_probe_from_an_unconfirmed_client_reaches_a_server_that_dropped_its_handshake_keys() {
    let time = VirtualTime::start();
    let mut p = Pipe::new(&client_opts(), &server_opts());
    p.until_client_established();
    let all = |_: usize| true;
    let none = |_: usize| false;
    let server = p.server.as_mut().unwrap();
    // The client's Finished arrives: the server's handshake completes and is confirmed.
    flight(&mut p.client, server, &p.caddr, &all);
    assert!(server.inner().is_established());
    // The server's ACK and HANDSHAKE_DONE are lost: the client's Finished stays in flight.
    flight(server, &mut p.client, &p.saddr, &none);
    let before = server.inner().stats().recv;
    time.at(2);
    p.client.inner_mut().on_timeout();
    // The client's NAT has rebound: its probe arrives from a new address.
    let rebound = addr("127.0.0.1:50001");
    let sent = flight(&mut p.client, server, &rebound, &all);
    assert!(sent > 0, "the client sent no probe");
    assert!(
        server.inner().stats().recv > before,
        "the server read none of the client's {sent} probe datagrams"
    );
}

/// Patch quiche-0.30.0-stream-stopped-reset-collect: a stream whose FIN was sent and
/// acknowledged, whose reading this side stopped (STOP_SENDING), and which the peer then reset
/// (its answer to the STOP_SENDING) was complete but never collected: quiche collects streams
/// on ACKs and on reads, and neither came again. A graceful close that waits for its streams
/// to be let go waited until the idle timeout (found by 2.x's tests).
#[test]
fn a_stream_reset_after_its_reading_stopped_is_collected() {
    let mut p = Pipe::new(&client_opts(), &server_opts());
    p.advance();
    let id = p.client.open_stream_raw(true).unwrap().unwrap();
    assert_eq!(p.client.stream_send_raw(id, b"hello", true).unwrap(), 5);
    // The server gets the data and the FIN and acknowledges them, but does not read yet.
    p.advance();
    // This side stops reading: the server's quiche answers with a RESET_STREAM.
    p.client.stream_shutdown_raw(id, false, 7).unwrap();
    p.advance();
    let client = p.client.inner_mut();
    let collected = client.stream_finished(id)
        && matches!(
            client.stream_capacity(id),
            Err(quiche::Error::InvalidStreamState(_))
        );
    assert!(collected, "the complete stream {id} was never collected");
}
