"""The gossip nodes of the Python example: one class per variant, and their wire format.

Each node holds a last-writer-wins store and answers three events: a Tick
(its gossip period), an envelope delivered to it, and a client write; each
returns the envelopes the node sends. Payloads are our own JSON; the harness
never reads them, it reads the envelope's `kind` and `keys`. A message too
large for max_payload_bytes is split into several envelopes to the same
peer (Node.fit). gossip_node.py serves these nodes to the harness.
"""

from __future__ import annotations

import json
import os
import random
import sys
from functools import lru_cache
from typing import NamedTuple

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen"))

import grpc  # noqa: E402
from gossipcheck.v1 import gossip_pb2 as pb  # noqa: E402

# What the contract says a zero max_payload_bytes means.
DEFAULT_MAX_PAYLOAD = 1 << 20
# Room the contract leaves for an entry's version and the message around it:
# a write whose key and value take more than max_payload_bytes minus this may be refused.
ENVELOPE_OVERHEAD = 256
# The list each kind of message carries, which is what gets split.
LIST_FIELD = {
    "digest": "versions",
    "want": "keys",
    "mail": "entries",
    "entries": "entries",
    "rumor": "entries",
    "feedback": "items",
}


class CallFailed(Exception):
    """A refused call: the status a unary call aborts with, the CallError a Session answers."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def call_error(self) -> pb.CallError:
        # grpc.StatusCode values are (number, name) pairs.
        return pb.CallError(code=self.code.value[0], message=self.message)

class Entry(NamedTuple):
    value: str
    counter: int
    origin: str

    def version(self) -> tuple[int, str]:
        # Last writer wins: the higher counter, then the greater origin id.
        return (self.counter, self.origin)


Envelopes = list[pb.Envelope]


class Node:
    """State and behaviour common to every variant: a last-writer-wins store."""

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

    def fits(self, key: str, value: str) -> bool:
        """Whether one entry with this key and value fits one envelope, with room to spare."""
        return len(key.encode()) + len(value.encode()) <= self.max_payload - ENVELOPE_OVERHEAD

    def write(self, key: str, value: str) -> tuple[Entry, Envelopes]:
        current = self.store.get(key)
        entry = Entry(value, (current.counter if current else 0) + 1, self.writer)
        self.store[key] = entry
        self.learned(key)
        return entry, self.after_write(key)

    def after_write(self, key: str) -> Envelopes:
        return []

    def learned(self, key: str) -> None:
        """A newer version of `key` is here (written or received)."""

    def tick(self) -> Envelopes:
        return []

    def receive(self, sender: str, msg: dict) -> Envelopes:
        raise NotImplementedError

    def merge(self, e: dict) -> bool:
        """Keeps a received entry if it is newer than ours; whether it was."""
        current = self.store.get(e["k"])
        if current is not None and (e["c"], e["o"]) <= current.version():
            return False
        self.store[e["k"]] = Entry(e["v"], e["c"], e["o"])
        self.learned(e["k"])
        return True

    def sample(self, count: int) -> list[str]:
        return self.rng.sample(self.peers, min(count, len(self.peers)))

    def status(self, key: str) -> int:
        """The entry's SIR status in a snapshot; unset (0) outside rumor mongering."""
        return pb.SIR_STATUS_UNSPECIFIED

    def view(self) -> tuple:
        """All that snapshot() shows, as plain values, cheap to build and compare:
        equal views, equal snapshots. A subclass that adds to one adds to the other."""
        return tuple(sorted(self.store.items()))

    def snapshot(self) -> pb.Snapshot:
        entries = [
            pb.Entry(
                key=k, value=e.value, version=pb.Version(counter=e.counter, origin=e.origin), status=self.status(k)
            )
            for k, e in sorted(self.store.items())
        ]
        return pb.Snapshot(node=self.id, entries=entries)

    def wire(self, keys) -> list[dict]:
        return [
            {"k": k, "v": self.store[k].value, "c": self.store[k].counter, "o": self.store[k].origin}
            for k in keys
            if k in self.store
        ]

    def send(self, peers: list[str], msg: dict) -> Envelopes:
        """The envelopes that carry `msg` to each of `peers`: one each, or several parts if it is too large."""
        # Encoded once, whatever the number of peers. The metadata the harness
        # counts by: the kind, and exactly the keys whose values travel (none
        # for digests and wants).
        parts = [(part["t"], payload, [e["k"] for e in part.get("entries", ())]) for part, payload in self.fit(msg)]
        return [
            pb.Envelope(**{"from": self.id}, to=to, payload=payload, kind=kind, keys=keys)
            for to in peers
            for kind, payload, keys in parts
        ]

    def fit(self, msg: dict) -> list[tuple[dict, bytes]]:
        """Splits `msg` in halves until every part fits max_payload_bytes; each part means the same alone."""
        payload = encode(msg)
        if len(payload) <= self.max_payload:
            return [(msg, payload)]
        if msg["t"] == "entries-want":
            # The values and the request, sent apart, mean the same as one combined reply.
            parts = [{"t": "entries", "entries": msg["entries"]}, {"t": "want", "keys": msg["want"]}]
            return [p for part in parts if part[LIST_FIELD[part["t"]]] for p in self.fit(part)]
        field = LIST_FIELD[msg["t"]]
        items = msg[field]
        if len(items) < 2:
            return []  # cannot happen: Update refuses a write too large to travel alone
        half = len(items) // 2
        if msg["t"] == "digest":
            # Each half covers a key range, (lo, mid] and (mid, hi], so that a
            # receiver never takes a key of the other half for one the sender lacks.
            keys = sorted(items)
            mid = separator(keys[half - 1], keys[half])
            first = {"t": "digest", "lo": msg["lo"], "hi": mid, "versions": {k: items[k] for k in keys[:half]}}
            second = {"t": "digest", "lo": mid, "hi": msg["hi"], "versions": {k: items[k] for k in keys[half:]}}
        else:
            first, second = {**msg, field: items[:half]}, {**msg, field: items[half:]}
        return self.fit(first) + self.fit(second)


def encode(msg: dict) -> bytes:
    return json.dumps(msg, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def separator(a: str, b: str) -> str:
    """A short s with a <= s < b (for a < b): ranges bounded by whole long keys would not fit."""
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    # b's shortest prefix that is greater than a, if shorter than b; else a itself.
    return b[: i + 1] if i < len(a) and i + 1 < len(b) else a


# Older than any version: a key one side lacks.
NO_VERSION = [0, ""]


def in_range(key: str, lo: str | None, hi: str | None) -> bool:
    """Whether a key falls in a digest's range (lo, hi]; None is unbounded."""
    return (lo is None or key > lo) and (hi is None or key <= hi)


class DirectMail(Node):
    """Demers et al. 1987 §1.1: each update is mailed once to every peer, at write time."""

    accepts = frozenset({"mail"})

    def after_write(self, key: str) -> Envelopes:
        msg = {"t": "mail", "entries": self.wire([key])}
        return self.send(self.peers, msg)

    def receive(self, sender: str, msg: dict) -> Envelopes:
        for e in msg["entries"]:
            self.merge(e)
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
        return self.start_exchanges(self.fanout)

    def start_exchanges(self, count: int) -> Envelopes:
        # The whole key range; fit() splits it into narrower ranges if it is too large.
        digest = {"t": "digest", "lo": None, "hi": None, "versions": self.versions()}
        return self.send(self.sample(count), digest)

    def versions(self) -> dict[str, list]:
        """Key -> [counter, origin], as a digest carries it: lists compare as versions do."""
        return {k: [e.counter, e.origin] for k, e in self.store.items()}

    def receive(self, sender: str, msg: dict) -> Envelopes:
        kind = msg["t"]
        if kind == "digest":
            return self.answer_digest(sender, msg)
        if kind == "want":
            return self.send_entries(sender, msg["keys"])
        for e in msg["entries"]:
            self.merge(e)
        return self.send_entries(sender, msg["want"]) if kind == "entries-want" else []

    def send_entries(self, to: str, keys: list[str]) -> Envelopes:
        entries = self.wire(keys)
        return self.send([to], {"t": "entries", "entries": entries}) if entries else []

    def answer_digest(self, sender: str, digest: dict) -> Envelopes:
        theirs, mine = digest["versions"], self.versions()
        if theirs == mine:
            return []  # the usual case once the nodes agree: nothing newer either way
        newer, want = [], []
        if self.mode != "push":
            # Only keys in the digest's range: the sender's other keys are in its other parts.
            lo, hi = digest["lo"], digest["hi"]
            newer = [k for k, v in mine.items() if v > theirs.get(k, NO_VERSION) and in_range(k, lo, hi)]
        if self.mode != "pull":
            want = [k for k, v in theirs.items() if v > mine.get(k, NO_VERSION)]
        # Nothing to say, nothing sent.
        if self.mode == "push-pull" and (newer or want):
            return self.send([sender], {"t": "entries-want", "entries": self.wire(newer), "want": want})
        if newer:
            return self.send([sender], {"t": "entries", "entries": self.wire(newer)})
        if want:
            return self.send([sender], {"t": "want", "keys": want})
        return []


class Push(AntiEntropy):
    mode = "push"
    accepts = frozenset({"digest", "want", "entries"})


class Pull(AntiEntropy):
    mode = "pull"
    accepts = frozenset({"digest", "entries"})


class PushPull(AntiEntropy):
    mode = "push-pull"
    # "want" arrives too when an oversize entries-want was split.
    accepts = frozenset({"digest", "entries-want", "entries", "want"})


# The loss-of-interest rules: (feedback?, counter?).
RULES = {
    pb.LOSS_OF_INTEREST_FEEDBACK_COUNTER: (True, True),
    pb.LOSS_OF_INTEREST_FEEDBACK_COIN: (True, False),
    pb.LOSS_OF_INTEREST_BLIND_COUNTER: (False, True),
    pb.LOSS_OF_INTEREST_BLIND_COIN: (False, False),
}


class Rumor(Node):
    """Rumor mongering (Demers et al. 1987 §1.4), push, the SIR model.

    A key is infective ("hot") from the moment a newer version of it arrives
    or is written; each Tick a node sends one rumor with every hot entry to
    `fanout` random peers. A contact (one rumor to one peer) is unnecessary
    when the recipient already held that version or a newer one, judged on
    arrival. The node loses interest in a key (removed) by its rule, k = rumor_k:

        feedback-counter  k unnecessary contacts in a row (a necessary one resets the count)
        feedback-coin     each unnecessary contact, with probability 1/k
        blind-counter     after k contacts
        blind-coin        after each contact, with probability 1/k

    With feedback the recipient answers each rumor with a "feedback" of one
    item per entry: key, version, and whether it was unnecessary.
    """

    def __init__(self, init: pb.NodeInit, params: pb.Parameters) -> None:
        super().__init__(init, params)
        if params.loss_of_interest not in RULES:
            raise CallFailed(grpc.StatusCode.FAILED_PRECONDITION, "loss_of_interest rule not implemented")
        if params.rumor_k < 1:
            raise CallFailed(grpc.StatusCode.INVALID_ARGUMENT, "rumor_k must be at least 1")
        self.feedback, self.counter = RULES[params.loss_of_interest]
        self.k = params.rumor_k
        self.accepts = self.accepts | ({"rumor", "feedback"} if self.feedback else {"rumor"})
        # The hot keys, each with its count: unnecessary contacts in a row
        # (feedback-counter) or contacts made (blind-counter).
        self.hot: dict[str, int] = {}

    def learned(self, key: str) -> None:
        self.hot[key] = 0

    def status(self, key: str) -> int:
        return pb.SIR_STATUS_INFECTIVE if key in self.hot else pb.SIR_STATUS_REMOVED

    def view(self) -> tuple:
        return super().view(), frozenset(self.hot)

    def tick(self) -> Envelopes:
        return self.push_rumors()

    def push_rumors(self) -> Envelopes:
        keys = list(self.hot)
        if not keys:
            return []
        return self.tell(self.sample(self.fanout), keys)

    def tell(self, peers: list[str], keys: list[str]) -> Envelopes:
        """One contact per peer: a rumor of the hot `keys`."""
        out = self.send(peers, {"t": "rumor", "entries": self.wire(keys)})
        if not self.feedback:
            # Blind: every contact counts. A key that goes cold here has still
            # gone to every peer of this period (all chosen beforehand).
            for _ in peers:
                for key in keys:
                    if key in self.hot:
                        self.contact(key)
        return out

    def contact(self, key: str) -> None:
        """One contact that counts toward losing interest in `key` (any, blind; unnecessary, feedback)."""
        if self.counter:
            self.hot[key] += 1
            if self.hot[key] >= self.k:
                del self.hot[key]
        elif self.rng.random() < 1 / self.k:
            del self.hot[key]

    def receive(self, sender: str, msg: dict) -> Envelopes:
        kind = msg["t"]
        if kind == "rumor":
            items = [{"k": e["k"], "c": e["c"], "o": e["o"], "u": not self.merge(e)} for e in msg["entries"]]
            return self.send([sender], {"t": "feedback", "items": items}) if self.feedback else []
        if kind == "feedback":
            for item in msg["items"]:
                key = item["k"]
                # Feedback about a version since replaced says nothing about the current rumor.
                if key not in self.hot or self.store[key].version() != (item["c"], item["o"]):
                    continue
                if item["u"]:
                    self.contact(key)
                elif self.counter:
                    self.hot[key] = 0
            return []
        return super().receive(sender, msg)


class RumorPull(Rumor):
    """Rumor mongering, pull: each Tick a node asks `fanout` random peers
    ("pull"); a peer with hot keys answers with a rumor of them, which is the
    contact; with feedback the puller answers it, and the responder's rule
    applies."""

    def __init__(self, init: pb.NodeInit, params: pb.Parameters) -> None:
        super().__init__(init, params)
        self.accepts = self.accepts | {"pull"}

    def tick(self) -> Envelopes:
        return self.send(self.sample(self.fanout), {"t": "pull"})

    def receive(self, sender: str, msg: dict) -> Envelopes:
        if msg["t"] != "pull":
            return super().receive(sender, msg)
        keys = list(self.hot)
        return self.tell([sender], keys) if keys else []


class Hybrid(Rumor, PushPull):
    """Hybrid (Demers et al. 1987 §1.5): rumor push, plus one push-pull
    anti-entropy exchange every `anti_entropy_every` periods, to repair what
    the rumors missed. An entry learned by anti-entropy is hot too
    (Rumor.learned, called by merge). It accepts both vocabularies: Rumor adds
    its kinds to PushPull's `accepts`; Rumor.receive hands anti-entropy's on.
    """

    def __init__(self, init: pb.NodeInit, params: pb.Parameters) -> None:
        super().__init__(init, params)
        if params.anti_entropy_every < 1:
            raise CallFailed(grpc.StatusCode.INVALID_ARGUMENT, "anti_entropy_every must be at least 1")
        self.every = params.anti_entropy_every
        self.period = 0

    def tick(self) -> Envelopes:
        self.period += 1
        out = self.push_rumors()
        if self.period % self.every == 0:
            out += self.start_exchanges(1)
        return out


class PushSum(Node):
    """Push-sum (Kempe, Dobra, Gehrke 2003): the average of the nodes' initial values.

    A node holds a mass (sum, weight), at first (its value, 1). Each Tick it
    splits the mass into fanout + 1 equal shares, keeps one and sends one to
    each of `fanout` random peers; a share received is added. Mass is
    conserved, so every sum / weight tends to the average. Client writes are
    kept locally and acked, never gossiped.
    """

    accepts = frozenset({"pushsum"})

    def __init__(self, init: pb.NodeInit, params: pb.Parameters) -> None:
        super().__init__(init, params)
        self.sum, self.weight = init.initial_value, 1.0

    def tick(self) -> Envelopes:
        targets = self.sample(self.fanout)
        s, w = self.sum / (len(targets) + 1), self.weight / (len(targets) + 1)
        # Keep what is left rather than one more share: rounding stays here, nothing is lost.
        self.sum -= len(targets) * s
        self.weight -= len(targets) * w
        return self.send(targets, {"t": "pushsum", "s": s, "w": w})

    def receive(self, sender: str, msg: dict) -> Envelopes:
        self.sum += msg["s"]
        self.weight += msg["w"]
        return []

    def view(self) -> tuple:
        # hex: exact, and -0.0 is not 0.0 (the harness compares numbers as Object.is does).
        return super().view(), self.sum.hex(), self.weight.hex()

    def snapshot(self) -> pb.Snapshot:
        snap = super().snapshot()
        snap.estimate = self.sum / self.weight if self.weight else 0.0
        snap.sum, snap.weight = self.sum, self.weight
        return snap


VARIANTS = {
    pb.VARIANT_DIRECT_MAIL: DirectMail,
    pb.VARIANT_ANTI_ENTROPY_PUSH: Push,
    pb.VARIANT_ANTI_ENTROPY_PULL: Pull,
    pb.VARIANT_ANTI_ENTROPY_PUSH_PULL: PushPull,
    pb.VARIANT_RUMOR_PUSH: Rumor,
    pb.VARIANT_RUMOR_PULL: RumorPull,
    pb.VARIANT_HYBRID: Hybrid,
    pb.VARIANT_PUSH_SUM: PushSum,
}


# The same payload often arrives many times (a digest to each of `fanout`
# peers, and round after round once the nodes agree): decoded once. So a
# message a node receives is shared, to read only.
@lru_cache(maxsize=4096)
def parse(payload: bytes, accepts: frozenset[str]) -> dict:
    """Decodes a payload, trusting nothing: raises ValueError for anything malformed."""
    msg = json.loads(payload.decode("utf-8"), parse_constant=no_constant)
    if not isinstance(msg, dict) or msg.get("t") not in accepts:
        raise ValueError("not a message of this node's variant")
    if not WELL_FORMED[msg["t"]](msg):
        raise ValueError(f"malformed {msg['t']}")
    if msg["t"] == "digest":
        msg.setdefault("lo", None)
        msg.setdefault("hi", None)
    return msg


def no_constant(name: str):
    raise ValueError(f"{name} is not a number")


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


def is_entry_list(entries) -> bool:
    return isinstance(entries, list) and all(is_entry(e) for e in entries)


def is_feedback(item) -> bool:
    return (
        isinstance(item, dict)
        and set(item) == {"k", "c", "o", "u"}
        and isinstance(item["k"], str)
        and isinstance(item["u"], bool)
        and is_version([item["c"], item["o"]])
    )


def is_digest(msg: dict) -> bool:
    versions = msg.get("versions")
    return (
        isinstance(versions, dict)
        and all(is_version(v) for v in versions.values())
        and all(msg.get(end) is None or isinstance(msg[end], str) for end in ("lo", "hi"))
    )


# What each kind of message must hold (every field our own, from encode()).
WELL_FORMED = {
    "mail": lambda m: is_entry_list(m.get("entries")),
    "digest": is_digest,
    "want": lambda m: is_key_list(m.get("keys")),
    "entries": lambda m: is_entry_list(m.get("entries")),
    "entries-want": lambda m: is_entry_list(m.get("entries")) and is_key_list(m.get("want")),
    "rumor": lambda m: is_entry_list(m.get("entries")),
    "pull": lambda m: True,
    "feedback": lambda m: isinstance(m.get("items"), list) and all(is_feedback(i) for i in m["items"]),
    "pushsum": lambda m: is_number(m.get("s")) and is_number(m.get("w")) and m["w"] >= 0,
}


def is_number(x) -> bool:
    # json.loads gives int or float; NaN and infinities are refused (no_constant).
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def is_entry(e) -> bool:
    return (
        isinstance(e, dict)
        and set(e) == {"k", "v", "c", "o"}
        and isinstance(e["k"], str)
        and isinstance(e["v"], str)
        and is_version([e["c"], e["o"]])
    )
