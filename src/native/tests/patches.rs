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
