"""An independent HTTP/3 peer for the interop tests: aioquic's H3Connection (QPACK, framing and
settings its own).

Client: sends the requests of a scenario to an HTTP/3 server and prints one JSON line with what
came back: for each request its status, headers, trailers, body length and SHA-256.

  h3_peer.py client --port P --ca F --requests JSON

JSON is a list of {"method", "path", "body_size", "trailers": {..}, "headers": {..}}; all are
sent at once, each on its own stream.

Server: serves GET / -> "hello", GET /bytes/N -> N bytes (i % 251), POST /echo -> the request
body with its trailers echoed as trailers; anything else 404. Prints {"port": N} once listening.

  h3_peer.py server --cert F --key F

WebTransport client: opens a session at --path, then on it a bidirectional stream, a
unidirectional stream and a datagram, each carrying its own message; reports what came back
(the echo server answers a uni stream on a new uni stream), then closes the session with a
CLOSE_WEBTRANSPORT_SESSION capsule (code 7, reason "bye") unless --peer-closes, when it waits
for the server to close it and reports the code and reason.

  h3_peer.py wt-client --port P --ca F --path /echo

WebTransport server: accepts sessions at /echo (others get 404) and echoes every bidirectional
stream on itself, every unidirectional stream on a new one and every datagram; reports each
session's close (code and reason of its capsule) on stderr as a JSON line.

  h3_peer.py wt-server --cert F --key F
"""

import argparse
import asyncio
import hashlib
import json
import re
import sys

from aioquic.asyncio import QuicConnectionProtocol, connect, serve
from aioquic.h3.connection import H3_ALPN, FrameType, H3Connection
from aioquic.h3.events import DatagramReceived, DataReceived, HeadersReceived, WebTransportStreamDataReceived
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.events import ConnectionTerminated, StreamReset


class H3Client(QuicConnectionProtocol):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.h3 = H3Connection(self._quic)
        self.waiters = {}
        self.results = {}
        self.closed = None

    def quic_event_received(self, event):
        if isinstance(event, ConnectionTerminated):
            self.closed = {"code": event.error_code, "reason": event.reason_phrase}
            for w in self.waiters.values():
                if not w.done():
                    w.set_result(None)
            return
        if isinstance(event, StreamReset) and event.stream_id in self.results:
            self.results[event.stream_id]["reset"] = event.error_code
            w = self.waiters.get(event.stream_id)
            if w and not w.done():
                w.set_result(None)
        for h3_event in self.h3.handle_event(event):
            sid = getattr(h3_event, "stream_id", None)
            if sid not in self.results:
                continue
            r = self.results[sid]
            if isinstance(h3_event, HeadersReceived):
                fields = {k.decode(): v.decode() for k, v in h3_event.headers}
                if "status" not in r:
                    r["status"] = int(fields.pop(":status"))
                    r["headers"] = fields
                else:
                    r["trailers"] = fields
            elif isinstance(h3_event, DataReceived):
                r["hash"].update(h3_event.data)
                r["size"] += len(h3_event.data)
            if getattr(h3_event, "stream_ended", False):
                self.waiters[sid].set_result(None)

    async def request(self, authority, req):
        sid = self._quic.get_next_available_stream_id()
        body = bytes(i % 251 for i in range(req.get("body_size", 0)))
        headers = [
            (b":method", req["method"].encode()),
            (b":scheme", b"https"),
            (b":authority", authority.encode()),
            (b":path", req["path"].encode()),
        ] + [(k.encode(), v.encode()) for k, v in req.get("headers", {}).items()]
        self.results[sid] = {"hash": hashlib.sha256(), "size": 0}
        self.waiters[sid] = asyncio.get_running_loop().create_future()
        trailers = req.get("trailers")
        self.h3.send_headers(sid, headers, end_stream=not body and not trailers)
        if body:
            self.h3.send_data(sid, body, end_stream=not trailers)
        if trailers:
            self.h3.send_headers(sid, [(k.encode(), v.encode()) for k, v in trailers.items()], end_stream=True)
        self.transmit()
        await asyncio.wait_for(self.waiters[sid], 60)
        r = self.results[sid]
        r["sha256"] = r.pop("hash").hexdigest()
        r["sent_sha256"] = hashlib.sha256(body).hexdigest()
        return r


async def client(args):
    cfg = QuicConfiguration(is_client=True, alpn_protocols=H3_ALPN)
    cfg.load_verify_locations(args.ca)
    cfg.server_name = "localhost"
    requests = json.loads(args.requests)
    async with connect(args.host, args.port, configuration=cfg, create_protocol=H3Client) as proto:
        results = await asyncio.gather(*(proto.request(f"localhost:{args.port}", r) for r in requests))
        out = {"results": results, "closed": proto.closed, "peer_settings": {str(k): v for k, v in (proto.h3.received_settings or {}).items()}}
    print(json.dumps(out))


class WtClient(QuicConnectionProtocol):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.h3 = H3Connection(self._quic, enable_webtransport=True)
        self.session = None
        self.status = None
        self.answered = asyncio.get_event_loop().create_future()
        self.streams = {}
        self.ended = {}
        self.datagrams = asyncio.Queue()
        self.capsules = bytearray()
        self.session_closed = asyncio.get_event_loop().create_future()

    def quic_event_received(self, event):
        if isinstance(event, ConnectionTerminated) and not self.session_closed.done():
            self.session_closed.set_result({"connection": event.error_code})
        for e in self.h3.handle_event(event):
            if isinstance(e, HeadersReceived) and e.stream_id == self.session:
                fields = {k.decode(): v.decode() for k, v in e.headers}
                self.status = int(fields[":status"])
                self.draft = fields.get("sec-webtransport-http3-draft")
                if not self.answered.done():
                    self.answered.set_result(None)
                if e.stream_ended and not self.session_closed.done():
                    self.session_closed.set_result({"fin": True})
            elif isinstance(e, DataReceived) and e.stream_id == self.session:
                self.capsules += e.data
                if len(self.capsules) >= 6 and not self.session_closed.done():
                    # type 0x2843 (2 bytes as a varint), length, code (4 bytes), reason
                    t, n = self.capsules[0:2], self.capsules[2]
                    if t == bytes([0x68, 0x43]):
                        body = bytes(self.capsules[3 : 3 + n])
                        self.session_closed.set_result({"code": int.from_bytes(body[:4], "big"), "reason": body[4:].decode()})
                if e.stream_ended and not self.session_closed.done():
                    self.session_closed.set_result({"fin": True})
            elif isinstance(e, WebTransportStreamDataReceived):
                self.streams.setdefault(e.stream_id, bytearray()).extend(e.data)
                if e.stream_ended:
                    self.ended[e.stream_id] = True
            elif isinstance(e, DatagramReceived):
                self.datagrams.put_nowait(e.data)


async def wt_client(args):
    cfg = QuicConfiguration(is_client=True, alpn_protocols=H3_ALPN, max_datagram_frame_size=65536)
    cfg.load_verify_locations(args.ca)
    cfg.server_name = "localhost"
    out = {}
    async with connect(args.host, args.port, configuration=cfg, create_protocol=WtClient) as c:
        sid = c._quic.get_next_available_stream_id()
        c.session = sid
        c.h3.send_headers(sid, [
            (b":method", b"CONNECT"), (b":protocol", b"webtransport"), (b":scheme", b"https"),
            (b":authority", f"localhost:{args.port}".encode()), (b":path", args.path.encode()),
            (b"sec-webtransport-http3-draft02", b"1"), (b"origin", b"https://localhost"),
        ])
        c.transmit()
        await asyncio.wait_for(c.answered, 10)
        out["status"] = c.status
        out["draft"] = c.draft
        if c.status == 200:
            bidi = c.h3.create_webtransport_stream(sid)
            # aioquic 1.7 marks a bidirectional WebTransport stream only when the peer opens it:
            # one it opens itself would have the answer parsed as HTTP/3 frames. Marked here.
            with c.h3._get_or_create_stream(bidi) as own:
                own.frame_type = FrameType.WEBTRANSPORT_STREAM
                own.session_id = sid
            c._quic.send_stream_data(bidi, b"bidi-hello", end_stream=True)
            uni = c.h3.create_webtransport_stream(sid, is_unidirectional=True)
            c._quic.send_stream_data(uni, b"uni-hello", end_stream=True)
            c.h3.send_datagram(sid, b"dgram-hello")
            c.transmit()
            for _ in range(200):
                if bidi in c.ended and any(k != bidi and c.ended.get(k) for k in c.streams):
                    break
                await asyncio.sleep(0.02)
            out["bidi"] = bytes(c.streams.get(bidi, b"")).decode()
            out["uni"] = [bytes(v).decode() for k, v in c.streams.items() if k != bidi]
            try:
                out["datagram"] = (await asyncio.wait_for(c.datagrams.get(), 5)).decode()
            except asyncio.TimeoutError:
                out["datagram"] = None
            if args.peer_closes:
                out["closed"] = await asyncio.wait_for(c.session_closed, 10)
            else:
                reason = b"bye"
                capsule = bytes([0x68, 0x43, 4 + len(reason)]) + (7).to_bytes(4, "big") + reason
                c.h3.send_data(sid, capsule, end_stream=True)
                c.transmit()
                await asyncio.sleep(0.3)
    print(json.dumps(out))


class H3Server(QuicConnectionProtocol):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.h3 = None
        self.requests = {}

    def quic_event_received(self, event):
        if self.h3 is None:
            self.h3 = H3Connection(self._quic)
        for e in self.h3.handle_event(event):
            if isinstance(e, HeadersReceived):
                req = self.requests.get(e.stream_id)
                if req is None:
                    req = {"headers": {k.decode(): v.decode() for k, v in e.headers}, "body": bytearray(), "trailers": None}
                    self.requests[e.stream_id] = req
                else:
                    req["trailers"] = [(k, v) for k, v in e.headers]
            elif isinstance(e, DataReceived):
                self.requests[e.stream_id]["body"] += e.data
            if getattr(e, "stream_ended", False):
                self.respond(e.stream_id, self.requests.pop(e.stream_id))
        self.transmit()

    def respond(self, sid, req):
        method, path = req["headers"][":method"], req["headers"][":path"]
        body, status, trailers = b"", 404, None
        m = re.match(r"^/bytes/(\d+)$", path)
        if method == "GET" and path == "/":
            body, status = b"hello", 200
        elif method == "GET" and m:
            body, status = bytes(i % 251 for i in range(int(m.group(1)))), 200
        elif method == "POST" and path == "/echo":
            body, status, trailers = bytes(req["body"]), 200, req["trailers"]
        headers = [(b":status", str(status).encode()), (b"x-served-by", b"aioquic")]
        self.h3.send_headers(sid, headers)
        self.h3.send_data(sid, body, end_stream=trailers is None)
        if trailers is not None:
            self.h3.send_headers(sid, trailers, end_stream=True)


class WtServer(QuicConnectionProtocol):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.h3 = None
        self.sessions = set()
        self.uni = {}
        self.capsules = {}

    def quic_event_received(self, event):
        if self.h3 is None:
            self.h3 = H3Connection(self._quic, enable_webtransport=True)
        for e in self.h3.handle_event(event):
            if isinstance(e, HeadersReceived) and e.stream_id not in self.sessions:
                fields = {k.decode(): v.decode() for k, v in e.headers}
                ok = fields.get(":method") == "CONNECT" and fields.get(":protocol") == "webtransport" and fields.get(":path") == "/echo"
                self.h3.send_headers(e.stream_id, [(b":status", b"200" if ok else b"404"), (b"sec-webtransport-http3-draft", b"draft02")], end_stream=not ok)
                if ok:
                    self.sessions.add(e.stream_id)
            elif isinstance(e, DataReceived) and e.stream_id in self.sessions:
                buf = self.capsules.setdefault(e.stream_id, bytearray())
                buf += e.data
                if len(buf) >= 3 and buf[0:2] == bytes([0x68, 0x43]):
                    n = buf[2]
                    body = bytes(buf[3 : 3 + n])
                    print(json.dumps({"closed": {"code": int.from_bytes(body[:4], "big"), "reason": body[4:].decode()}}), file=sys.stderr, flush=True)
            elif isinstance(e, WebTransportStreamDataReceived):
                if e.stream_id % 4 == 0:  # client-initiated bidirectional: back on itself
                    self._quic.send_stream_data(e.stream_id, e.data, end_stream=e.stream_ended)
                else:
                    self.uni.setdefault(e.stream_id, bytearray()).extend(e.data)
                    if e.stream_ended:
                        back = self.h3.create_webtransport_stream(e.session_id, is_unidirectional=True)
                        self._quic.send_stream_data(back, bytes(self.uni.pop(e.stream_id)), end_stream=True)
            elif isinstance(e, DatagramReceived):
                self.h3.send_datagram(e.stream_id, e.data)
        self.transmit()


async def serve_with(args, protocol):
    """Serves `protocol` on a free port of 127.0.0.1, prints {"port": N}, runs until killed."""
    cfg = QuicConfiguration(is_client=False, alpn_protocols=H3_ALPN, max_datagram_frame_size=65536)
    cfg.load_cert_chain(args.cert, args.key)
    srv = await serve("127.0.0.1", 0, configuration=cfg, create_protocol=protocol)
    print(json.dumps({"port": srv._transport.get_extra_info("sockname")[1]}), flush=True)
    await asyncio.Future()


async def wt_server(args):
    await serve_with(args, WtServer)


async def server(args):
    await serve_with(args, H3Server)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["client", "server", "wt-client", "wt-server"])
    p.add_argument("--path", default="/echo")
    p.add_argument("--peer-closes", action="store_true")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int)
    p.add_argument("--ca")
    p.add_argument("--requests")
    p.add_argument("--cert")
    p.add_argument("--key")
    args = p.parse_args()
    run = {"client": client, "server": server, "wt-client": wt_client, "wt-server": wt_server}[args.mode]
    asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
