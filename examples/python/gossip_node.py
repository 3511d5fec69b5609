#!/usr/bin/env python3
"""A minimal gossipcheck endpoint in Python: direct mail and anti-entropy (push, pull, push-pull).

One process hosts every node of a run (each request names its nodes), in
lockstep mode only: a node gossips when the harness sends it a Tick. Payloads
are our own JSON; the harness never reads them, it reads the envelope's
`kind` and `keys`.

    python3 examples/python/build.sh          # stubs into examples/python/gen/
    gossipcheck run --impl "/usr/bin/python3 examples/python/gossip_node.py --listen {listen}"
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import threading
from concurrent import futures
from dataclasses import dataclass

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen"))

import grpc  # noqa: E402
from gossipcheck.v1 import gossip_pb2 as pb  # noqa: E402
from gossipcheck.v1 import gossip_pb2_grpc as pb_grpc  # noqa: E402

IMPLEMENTATION = "gossipcheck-example-python"
VERSION = "0.1.0"
# What the contract says a zero max_payload_bytes means.
DEFAULT_MAX_PAYLOAD = 1 << 20


class Refused(Exception):
    """A call the endpoint turns down as a whole, with a gRPC status."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Entry:
    value: str
    counter: int
    origin: str

    def version(self) -> tuple[int, str]:
        # Last writer wins: the higher counter, then the greater origin id.
        return (self.counter, self.origin)


Envelopes = list[pb.Envelope]


class Node:
    """State and behaviour common to both variants: a last-writer-wins store."""

    accepts: frozenset[str] = frozenset()

    def __init__(self, init: pb.NodeInit, params: pb.Parameters) -> None:
        self.id = init.id
        self.peers = list(init.peers)
        self.fanout = params.fanout
        self.max_payload = params.max_payload_bytes or DEFAULT_MAX_PAYLOAD
        # Every random choice comes from the node's seed, so a lockstep run replays.
        self.rng = random.Random(init.rng_seed)
        # A node restarted without its disk must never reissue a version it may
        # have issued before its crash: its writes get a fresh origin.
        self.writer = init.id if init.generation == 0 else f"{init.id}#{init.generation}"
        self.store: dict[str, Entry] = {}

    def write(self, key: str, value: str) -> tuple[Entry, Envelopes]:
        current = self.store.get(key)
        entry = Entry(value, (current.counter if current else 0) + 1, self.writer)
        self.store[key] = entry
        return entry, self.after_write(key)

    def after_write(self, key: str) -> Envelopes:
        return []

    def tick(self) -> Envelopes:
        return []

    def receive(self, sender: str, msg: dict) -> Envelopes:
        raise NotImplementedError

    def merge(self, entries: list[dict]) -> None:
        for e in entries:
            incoming = Entry(e["v"], e["c"], e["o"])
            current = self.store.get(e["k"])
            if current is None or incoming.version() > current.version():
                self.store[e["k"]] = incoming

    def wire(self, keys) -> list[dict]:
        return [
            {"k": k, "v": self.store[k].value, "c": self.store[k].counter, "o": self.store[k].origin}
            for k in keys
            if k in self.store
        ]

    def envelope(self, to: str, msg: dict) -> pb.Envelope:
        # The metadata the harness counts by: the kind, and exactly the keys
        # whose values travel (none for digests and wants).
        payload = json.dumps(msg, separators=(",", ":"), sort_keys=True).encode()
        if len(payload) > self.max_payload:
            raise Refused(grpc.StatusCode.RESOURCE_EXHAUSTED, f"{self.id}: message exceeds max_payload_bytes")
        keys = [e["k"] for e in msg.get("entries", [])]
        return pb.Envelope(**{"from": self.id}, to=to, payload=payload, kind=msg["t"], keys=keys)


class DirectMail(Node):
    """Demers et al. 1987 §1.1: each update is mailed once to every peer, at write time."""

    accepts = frozenset({"mail"})

    def after_write(self, key: str) -> Envelopes:
        msg = {"t": "mail", "entries": self.wire([key])}
        return [self.envelope(peer, msg) for peer in self.peers]

    def receive(self, sender: str, msg: dict) -> Envelopes:
        self.merge(msg["entries"])
        return []


class AntiEntropy(Node):
    """Anti-entropy (Demers et al. 1987 §1.3): each Tick, reconcile with `fanout` random peers.

    A digest of (key, version) pairs goes first, so that only entries the other
    side lacks, or holds at an older version, ever travel:

        pull:       A -> B digest;  B -> A entries
        push:       A -> B digest;  B -> A want;          A -> B entries
        push-pull:  A -> B digest;  B -> A entries-want;  A -> B entries
    """

    mode = ""

    def tick(self) -> Envelopes:
        digest = {"t": "digest", "versions": {k: [e.counter, e.origin] for k, e in self.store.items()}}
        targets = self.rng.sample(self.peers, min(self.fanout, len(self.peers)))
        return [self.envelope(peer, digest) for peer in targets]

    def receive(self, sender: str, msg: dict) -> Envelopes:
        kind = msg["t"]
        if kind == "digest":
            return self.answer_digest(sender, {k: (c, o) for k, (c, o) in msg["versions"].items()})
        if kind == "want":
            return self.send_entries(sender, msg["keys"])
        self.merge(msg["entries"])
        return self.send_entries(sender, msg["want"]) if kind == "entries-want" else []

    def send_entries(self, to: str, keys: list[str]) -> Envelopes:
        entries = self.wire(keys)
        return [self.envelope(to, {"t": "entries", "entries": entries})] if entries else []

    def answer_digest(self, sender: str, theirs: dict[str, tuple[int, str]]) -> Envelopes:
        newer, want = [], []
        if self.mode != "push":
            newer = [k for k, e in self.store.items() if k not in theirs or e.version() > theirs[k]]
        if self.mode != "pull":
            want = [k for k, v in theirs.items() if k not in self.store or v > self.store[k].version()]
        # Nothing to say, nothing sent.
        if self.mode == "push-pull" and (newer or want):
            return [self.envelope(sender, {"t": "entries-want", "entries": self.wire(newer), "want": want})]
        if newer:
            return [self.envelope(sender, {"t": "entries", "entries": self.wire(newer)})]
        if want:
            return [self.envelope(sender, {"t": "want", "keys": want})]
        return []


class Push(AntiEntropy):
    mode = "push"
    accepts = frozenset({"digest", "want", "entries"})


class Pull(AntiEntropy):
    mode = "pull"
    accepts = frozenset({"digest", "entries"})


class PushPull(AntiEntropy):
    mode = "push-pull"
    accepts = frozenset({"digest", "entries-want", "entries"})


VARIANTS = {
    pb.VARIANT_DIRECT_MAIL: DirectMail,
    pb.VARIANT_ANTI_ENTROPY_PUSH: Push,
    pb.VARIANT_ANTI_ENTROPY_PULL: Pull,
    pb.VARIANT_ANTI_ENTROPY_PUSH_PULL: PushPull,
}


def parse(payload: bytes, accepts: frozenset[str]) -> dict:
    """Decodes a payload, trusting nothing: raises ValueError for anything malformed."""
    msg = json.loads(payload.decode("utf-8"))
    if not isinstance(msg, dict) or msg.get("t") not in accepts:
        raise ValueError("not a message of this node's variant")
    if msg["t"] == "digest":
        versions = msg.get("versions")
        if not isinstance(versions, dict) or not all(is_version(v) for v in versions.values()):
            raise ValueError("malformed digest")
        return msg
    if msg["t"] == "want":
        if not is_key_list(msg.get("keys")):
            raise ValueError("malformed want")
        return msg
    entries = msg.get("entries")
    if not isinstance(entries, list) or not all(is_entry(e) for e in entries):
        raise ValueError("malformed entries")
    if msg["t"] == "entries-want":
        if not is_key_list(msg.get("want")):
            raise ValueError("malformed want list")
    return msg


def is_key_list(keys) -> bool:
    return isinstance(keys, list) and all(isinstance(k, str) for k in keys)


def is_version(v) -> bool:
    return (
        isinstance(v, list)
        and len(v) == 2
        and isinstance(v[0], int)
        and not isinstance(v[0], bool)
        and v[0] >= 1
        and isinstance(v[1], str)
    )


def is_entry(e) -> bool:
    return (
        isinstance(e, dict)
        and set(e) == {"k", "v", "c", "o"}
        and isinstance(e["k"], str)
        and isinstance(e["v"], str)
        and is_version([e["c"], e["o"]])
    )


class Endpoint(pb_grpc.GossipNodeServicer):
    """Every node of the run. A stopped node stays known (None) until it is Init-ed again."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node | None] = {}
        # The harness calls one at a time; the lock keeps that true for any client.
        self.lock = threading.Lock()

    def Init(self, request, context):
        with self.lock:
            if request.nodes:
                if request.clock_mode != pb.CLOCK_MODE_LOCKSTEP:
                    context.abort(grpc.StatusCode.FAILED_PRECONDITION, "only lockstep clock mode is implemented")
                variant = VARIANTS.get(request.parameters.variant)
                if variant is None:
                    context.abort(grpc.StatusCode.FAILED_PRECONDITION, "variant not implemented")
                if request.parameters.fanout < 1:
                    context.abort(grpc.StatusCode.INVALID_ARGUMENT, "fanout must be at least 1")
                for init in request.nodes:
                    self.nodes[init.id] = variant(init, request.parameters)
            return pb.InitResponse(
                implementation=IMPLEMENTATION,
                version=VERSION,
                capabilities=pb.Capabilities(variants=list(VARIANTS), lockstep=True),
            )

    def Tick(self, request, context):
        with self.lock:
            nodes = self.running(request.nodes, context)
            return pb.TickResponse(envelopes=[env for node in nodes for env in node.tick()])

    def Deliver(self, request, context):
        with self.lock:
            # Validate the whole batch first: a refused call changes nothing.
            batch = []
            for i, env in enumerate(request.envelopes):
                if env.to not in self.nodes:
                    context.abort(grpc.StatusCode.NOT_FOUND, f"envelope {i}: unknown node '{env.to}'")
                node = self.nodes[env.to]
                if node is None:
                    context.abort(grpc.StatusCode.FAILED_PRECONDITION, f"envelope {i}: node '{env.to}' is stopped")
                if len(env.payload) > node.max_payload:
                    context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"envelope {i}: payload exceeds max_payload_bytes")
                try:
                    batch.append((node, getattr(env, "from"), parse(env.payload, node.accepts)))
                except (ValueError, UnicodeDecodeError) as err:
                    context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"envelope {i}: bad payload: {err}")
            out: Envelopes = []
            for node, sender, msg in batch:
                out.extend(self.guard(lambda: node.receive(sender, msg), context))
            return pb.DeliverResponse(envelopes=out)

    def Update(self, request, context):
        with self.lock:
            nodes = self.running([w.node for w in request.writes], context)
            acks, out = [], []
            for node, w in zip(nodes, request.writes):
                entry, envelopes = self.guard(lambda: node.write(w.key, w.value), context)
                version = pb.Version(counter=entry.counter, origin=entry.origin)
                acks.append(pb.Ack(node=w.node, key=w.key, version=version))
                out.extend(envelopes)
            return pb.UpdateResponse(acks=acks, envelopes=out)

    def Read(self, request, context):
        with self.lock:
            snapshots = []
            for node in self.running(request.nodes, context):
                entries = [
                    pb.Entry(key=k, value=e.value, version=pb.Version(counter=e.counter, origin=e.origin))
                    for k, e in sorted(node.store.items())
                ]
                snapshots.append(pb.Snapshot(node=node.id, entries=entries))
            return pb.ReadResponse(snapshots=snapshots)

    def Stop(self, request, context):
        with self.lock:
            self.running(request.nodes, context)
            # Crash or clean, nothing is kept: this example declares no durable_restart.
            for node_id in request.nodes:
                self.nodes[node_id] = None
            return pb.StopResponse()

    def running(self, ids, context) -> list[Node]:
        out = []
        for node_id in ids:
            if node_id not in self.nodes:
                context.abort(grpc.StatusCode.NOT_FOUND, f"unknown node '{node_id}'")
            node = self.nodes[node_id]
            if node is None:
                context.abort(grpc.StatusCode.FAILED_PRECONDITION, f"node '{node_id}' is stopped")
            out.append(node)
        return out

    @staticmethod
    def guard(call, context):
        try:
            return call()
        except Refused as err:
            context.abort(err.code, str(err))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen", default=os.environ.get("GOSSIPCHECK_LISTEN", "127.0.0.1:0"), help="HOST:PORT")
    args = parser.parse_args()

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    pb_grpc.add_GossipNodeServicer_to_server(Endpoint(), server)
    host = args.listen.rsplit(":", 1)[0]
    port = server.add_insecure_port(args.listen)
    if port == 0:
        sys.exit(f"cannot listen on {args.listen}")
    server.start()
    print(f"listening on {host}:{port}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: server.stop(0))
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:
        server.stop(0)


if __name__ == "__main__":
    main()
