"""An independent QUIC peer for the interop tests: aioquic, raw QUIC with our ALPN (no HTTP/3).

Server: echoes every stream (as data arrives, FIN with FIN) and every DATAGRAM; a stream whose
first bytes are b"close:<code>:<reason>" makes it close the connection with that application
error, and one whose first bytes are b"cancel:<code>" is reset and stopped with that code.
Prints {"port": N} once listening. With --loss P it drops each datagram it receives or sends
with probability P (drawn from --seed), so the peer under test sees an independent stack's
losses in both directions; at exit it prints the counts to stderr.

Client: runs one scenario against a server and prints one JSON line with what it saw.
"""

import argparse
import asyncio
import hashlib
import json
import os
import random
import re
import signal
import ssl
import stat
import sys
import threading

from aioquic.asyncio import QuicConnectionProtocol, connect, serve
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.events import (
    ConnectionTerminated,
    DatagramFrameReceived,
    HandshakeCompleted,
    StopSendingReceived,
    StreamDataReceived,
    StreamReset,
)
from aioquic.tls import SessionTicket

ALPN = ["quic-interop"]


class EchoServer(QuicConnectionProtocol):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cancelled = set()

    def quic_event_received(self, event):
        if isinstance(event, StreamDataReceived):
            if event.stream_id in self.cancelled:
                return
            if event.data.startswith(b"close:"):
                _, code, reason = event.data.decode().split(":", 2)
                self._quic.close(error_code=int(code), reason_phrase=reason)
            elif event.data.startswith(b"cancel:"):
                # Later bytes may come in the same event: the code is the digits that follow.
                code = int(re.match(rb"cancel:(\d+)", event.data).group(1))
                self._quic.reset_stream(event.stream_id, code)
                self._quic.stop_stream(event.stream_id, code)
                self.cancelled.add(event.stream_id)
            else:
                self._quic.send_stream_data(event.stream_id, event.data, event.end_stream)
            self.transmit()
        elif isinstance(event, DatagramFrameReceived):
            self._quic.send_datagram_frame(event.data)
            self.transmit()


class Client(QuicConnectionProtocol):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.streams = {}
        self.datagrams = asyncio.Queue()
        self.terminated = asyncio.get_event_loop().create_future()
        # stream id -> {"reset": code, "stop": code} as the server's frames arrive
        self.ended = {}

    def quic_event_received(self, event):
        if isinstance(event, StreamDataReceived):
            buf, fut = self.streams.setdefault(event.stream_id, [bytearray(), asyncio.get_event_loop().create_future()])
            buf += event.data
            if event.end_stream and not fut.done():
                fut.set_result(bytes(buf))
        elif isinstance(event, StopSendingReceived):
            self.ended.setdefault(event.stream_id, {})["stop"] = event.error_code
        elif isinstance(event, StreamReset):
            self.ended.setdefault(event.stream_id, {})["reset"] = event.error_code
            entry = self.streams.get(event.stream_id)
            if entry and not entry[1].done():
                entry[1].set_exception(RuntimeError(f"reset {event.error_code}"))
        elif isinstance(event, DatagramFrameReceived):
            self.datagrams.put_nowait(event.data)
        elif isinstance(event, ConnectionTerminated):
            if not self.terminated.done():
                self.terminated.set_result(event)

    async def echo(self, data: bytes) -> bytes:
        sid = self._quic.get_next_available_stream_id()
        fut = asyncio.get_event_loop().create_future()
        self.streams[sid] = [bytearray(), fut]
        chunk = 64 * 1024
        for off in range(0, len(data), chunk):
            self._quic.send_stream_data(sid, data[off : off + chunk], False)
            self.transmit()
            await asyncio.sleep(0)
        self._quic.send_stream_data(sid, b"", True)
        self.transmit()
        return await fut


def pattern(n: int) -> bytes:
    return hashlib.shake_256(b"interop").digest(n) if n <= 1 << 20 else (hashlib.shake_256(b"interop").digest(1 << 20) * (n // (1 << 20) + 1))[:n]


# What a server says when it is stopped (SIGTERM), before it exits.
AT_STOP = []


def stop(*_):
    for say in AT_STOP:
        say()
    # Not sys.exit: the stdin watcher (exit_with_parent) is blocked in a read that interpreter
    # shutdown would wait for.
    os._exit(0)


def exit_with_parent():
    """With stdin a pipe (or socket) from the process that started this one, exits when it
    closes (the parent ended, even killed), so no server is left behind."""
    mode = os.fstat(sys.stdin.fileno()).st_mode
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
        return

    def watch():
        sys.stdin.buffer.read()
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


async def run_server(args):
    signal.signal(signal.SIGTERM, stop)
    exit_with_parent()
    config = QuicConfiguration(is_client=False, alpn_protocols=ALPN, max_datagram_frame_size=65536, idle_timeout=args.idle)
    config.load_cert_chain(args.cert, args.key)
    if args.ca:
        config.load_verify_locations(args.ca)
        config.verify_mode = ssl.CERT_REQUIRED
    tickets = {}
    server = await serve(
        args.host,
        args.port,
        configuration=config,
        create_protocol=EchoServer,
        retry=args.retry,
        session_ticket_fetcher=tickets.pop,
        session_ticket_handler=lambda t: tickets.__setitem__(t.ticket, t),
    )
    if args.loss > 0:
        make_lossy(server, args.loss, args.seed)
    port = server._transport.get_extra_info("sockname")[1]
    print(json.dumps({"port": port}), flush=True)
    await asyncio.Event().wait()


def make_lossy(server, loss, seed):
    """Drops each datagram the endpoint (a server, or a client's protocol) receives or sends with
    probability `loss`; returns the counts."""
    rng = random.Random(seed)
    counts = {"in": 0, "inDropped": 0, "out": 0, "outDropped": 0}
    transport = server._transport
    send = transport.sendto
    receive = server.datagram_received

    def sendto(data, addr=None):
        counts["out"] += 1
        if rng.random() < loss:
            counts["outDropped"] += 1
            return
        send(data, addr)

    def datagram_received(data, addr):
        counts["in"] += 1
        if rng.random() < loss:
            counts["inDropped"] += 1
            return
        receive(data, addr)

    # The connections send through the server's transport; asyncio hands datagrams to the
    # protocol's method as looked up on the instance.
    transport.sendto = sendto
    server.datagram_received = datagram_received

    AT_STOP.append(lambda: print(json.dumps({"loss": counts}), file=sys.stderr, flush=True))
    return counts


async def run_client(args):
    ticket_store = {}

    def save_ticket(ticket: SessionTicket):
        ticket_store["t"] = ticket

    def make_config():
        config = QuicConfiguration(is_client=True, alpn_protocols=ALPN, max_datagram_frame_size=65536, idle_timeout=args.idle, server_name="localhost")
        config.load_verify_locations(args.ca)
        if args.cert:
            config.load_cert_chain(args.cert, args.key)
        if "t" in ticket_store:
            config.session_ticket = ticket_store["t"]
        return config

    result = {}
    async with connect(args.host, args.port, configuration=make_config(), create_protocol=Client, session_ticket_handler=save_ticket, wait_connected=True) as client:
        s = args.scenario
        if s == "handshake":
            result["ok"] = True
        elif s == "echo":
            data = pattern(args.size)
            back = await asyncio.wait_for(client.echo(data), 60)
            result["ok"] = back == data
            result["size"] = len(back)
        elif s == "streams":
            datas = [pattern(1000 + i) for i in range(100)]
            backs = await asyncio.wait_for(asyncio.gather(*(client.echo(d) for d in datas)), 60)
            result["ok"] = all(a == b for a, b in zip(datas, backs))
        elif s == "datagrams":
            for i in range(10):
                client._quic.send_datagram_frame(f"d{i}".encode())
            client.transmit()
            got = set()
            try:
                while len(got) < 10:
                    got.add((await asyncio.wait_for(client.datagrams.get(), 5)).decode())
            except asyncio.TimeoutError:
                pass
            result["ok"] = len(got) >= 8  # unreliable: most must arrive on loopback
            result["count"] = len(got)
        elif s == "keyupdate":
            before = await client.echo(b"before")
            client.request_key_update()
            after = await asyncio.wait_for(client.echo(pattern(200_000)), 30)
            result["ok"] = before == b"before" and after == pattern(200_000)
        elif s == "close":
            sid = client._quic.get_next_available_stream_id()
            client._quic.send_stream_data(sid, b"close:42:bye", False)
            client.transmit()
            ev = await asyncio.wait_for(client.terminated, 10)
            result["errorCode"] = ev.error_code
            result["reason"] = ev.reason_phrase
            result["ok"] = True
        elif s == "cancel":
            # A: this side resets (7) and stops (8) a stream it wrote to; B: it asks the server
            # to cancel a stream with code 9. Reported: the codes the server's frames carried.
            a = client._quic.get_next_available_stream_id()
            client._quic.send_stream_data(a, b"partial", False)
            client.transmit()
            await asyncio.sleep(0.1)
            client._quic.reset_stream(a, 7)
            client._quic.stop_stream(a, 8)
            b = client._quic.get_next_available_stream_id()
            client._quic.send_stream_data(b, b"cancel:9", False)
            client.transmit()
            for _ in range(100):
                if "reset" in client.ended.get(a, {}) and len(client.ended.get(b, {})) == 2:
                    break
                await asyncio.sleep(0.05)
            result["a"] = client.ended.get(a, {})
            result["b"] = client.ended.get(b, {})
            result["ok"] = True
        elif s == "lossy-echo":
            # Echoes `--streams` streams of `--size` bytes while this side drops `--loss` of the
            # datagrams it receives or sends; prints the bytes back each second (progress).
            counts = make_lossy(client, args.loss, args.seed)

            async def report():
                while True:
                    await asyncio.sleep(1)
                    got = sum(len(entry[0]) for entry in client.streams.values())
                    print(json.dumps({"progress": got}), flush=True)

            ticker = asyncio.ensure_future(report())
            data = pattern(args.size)
            backs = await asyncio.gather(*(client.echo(data) for _ in range(args.streams)))
            ticker.cancel()
            result["ok"] = all(b == data for b in backs)
            result["loss"] = counts
        elif s == "idle":
            ev = await asyncio.wait_for(client.terminated, 10)
            result["ok"] = True
            result["errorCode"] = ev.error_code
        elif s == "resume":
            await client.echo(b"first")
            await asyncio.sleep(0.2)
            result["ticket"] = "t" in ticket_store
        else:
            raise SystemExit(f"unknown scenario {s}")
        # Kept open a while after the scenario, e.g. for a path validation to finish.
        await asyncio.sleep(args.linger)
    if args.scenario == "resume" and "t" in ticket_store:
        async with connect(args.host, args.port, configuration=make_config(), create_protocol=Client, wait_connected=False) as client:
            # 0-RTT: the stream is sent before the handshake completes.
            back = await asyncio.wait_for(client.echo(b"early data"), 10)
            result["ok"] = back == b"early data" and client._quic.tls.session_resumed
            result["resumed"] = client._quic.tls.session_resumed
            result["earlyAccepted"] = client._quic.tls.early_data_accepted
    print(json.dumps(result), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["server", "client"])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--ca")
    p.add_argument("--retry", action="store_true")
    p.add_argument("--idle", type=float, default=30.0)
    p.add_argument("--loss", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--scenario", default="handshake")
    p.add_argument("--size", type=int, default=1024)
    p.add_argument("--streams", type=int, default=8)
    p.add_argument("--linger", type=float, default=0.0)
    args = p.parse_args()
    asyncio.run(run_server(args) if args.role == "server" else run_client(args))


if __name__ == "__main__":
    main()
