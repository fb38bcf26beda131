#!/usr/bin/python3
"""A stand-in for the timer, written from docs/messaging.md and docs/messages.md alone.

It takes over the `timer` publisher's stream at HOSTWIRE_HANDOVER_SEQUENCE (the Swift timer's
`publisher_state.last_sequence`), announces the slots it is asked to over HTTP, answers replay
requests for its own events, and says at GET /state where the stream stands for the hand-back.
The bus identity is the timer's own (HOSTWIRE_BUS_SECRET_KEY); it has no database.
"""
import hashlib
import json
import os
import signal
import threading
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import zmq

# A parent may start it with SIGTERM blocked (signals are inherited blocked); stopping must work.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})

NAME = "timer"
env = os.environ
lock = threading.Lock()
published = []  # (sequence, topic, envelope bytes): what this successor can replay
last_sequence = int(env["HOSTWIRE_HANDOVER_SEQUENCE"])
first_own = last_sequence + 1
context = zmq.Context()


def connect(kind, endpoint):
    socket = context.socket(kind)
    secret = env["HOSTWIRE_BUS_SECRET_KEY"].encode()
    socket.curve_serverkey = env["HOSTWIRE_BUS_SERVER_KEY"].encode()
    socket.curve_secretkey = secret
    socket.curve_publickey = zmq.curve_public(secret)
    socket.connect(endpoint)
    return socket


pub = connect(zmq.PUB, env["HOSTWIRE_BUS_PUBLISH"])
push = connect(zmq.PUSH, env["HOSTWIRE_BUS_COMMANDS"])
pull = connect(zmq.PULL, env["HOSTWIRE_BUS_QUEUE"])


def now_text(moment=None):
    moment = moment or datetime.now(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def slot_id(schedule, slot):
    """The documented name-based id: SHA-256 of "<schedule>|<slot, integer Unix seconds>",
    first 16 bytes, version 5 and RFC 4122 variant bits."""
    seconds = int(datetime.fromisoformat(slot.replace("Z", "+00:00")).timestamp())
    digest = bytearray(hashlib.sha256(f"{schedule}|{seconds}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    return str(uuid.UUID(bytes=bytes(digest))).upper()


def envelope(type_, payload, **header):
    return json.dumps({"id": header.pop("id", str(uuid.uuid4()).upper()), "type": type_, "version": 1,
                       "source": NAME, "occurred_at": now_text(), "payload": payload, **header}).encode()


def fire(schedule, slot):
    global last_sequence
    with lock:
        last_sequence += 1
        event_id = slot_id(schedule, slot)
        body = envelope("timer.fired", {"schedule": schedule, "slot": slot}, id=event_id, sequence=last_sequence)
        topic = f"{NAME}/timer.fired".encode()
        published.append((last_sequence, topic, body))
        pub.send_multipart([topic, body])
        return {"sequence": last_sequence, "id": event_id}


def heartbeats(stop):
    while not stop.wait(1):
        with lock:
            first = first_own if published else 0
            body = envelope("bus.heartbeat", {"first_sequence": first, "last_sequence": last_sequence})
        pub.send_multipart([f"{NAME}/bus.heartbeat".encode(), body])


def serve_queue():
    while True:
        address, body = pull.recv_multipart()
        message = json.loads(body)
        if message.get("type") != "bus.replay":
            continue  # the timer is sent nothing else
        request = message["payload"]
        start, limit = request["from_sequence"], min(max(request["limit"], 1), 5000)
        with lock:
            events = [(topic, body) for sequence, topic, body in published if sequence >= start][:limit]
        for _, body in events:
            push.send_multipart([request["subscriber"].encode(), body])


class API(BaseHTTPRequestHandler):
    def reply(self, status, document):
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/health":
            self.reply(200, {"status": "ok"})
        elif self.path == "/ready":
            self.reply(200, {"status": "ready"})
        elif self.path == "/state":
            with lock:
                self.reply(200, {"last_sequence": last_sequence, "first_sequence": first_own})
        else:
            self.reply(404, {"error": "not_found"})

    def do_POST(self):
        if self.path != "/fire":
            return self.reply(404, {"error": "not_found"})
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.reply(200, fire(request["schedule"], request["slot"]))

    def log_message(self, *args):
        pass


stop = threading.Event()
threading.Thread(target=heartbeats, args=(stop,), daemon=True).start()
threading.Thread(target=serve_queue, daemon=True).start()
ThreadingHTTPServer(("127.0.0.1", int(env["HOSTWIRE_HTTP_PORT"])), API).serve_forever()
