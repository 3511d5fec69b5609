#!/usr/bin/env python3
"""A minimal gossipcheck endpoint in Python: direct mail, anti-entropy (push,
pull, push-pull), rumor mongering (push, pull; every loss-of-interest rule),
hybrid and push-sum. The nodes are in nodes.py; this file serves them.

One process hosts every node of a run (each request names its nodes), in
lockstep mode only: a node gossips when the harness sends it a Tick. The six
calls are served unary and on the Session stream, which also plays
RoundRequests: quiet rounds played here, call by call as the harness would,
in one message instead of several per round (Session.round).

    examples/python/build.sh          # stubs into examples/python/gen/
    gossipcheck run --impl "/usr/bin/python3 examples/python/gossip_node.py --listen {listen}"
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from concurrent import futures

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen"))

import grpc  # noqa: E402
from gossipcheck.v1 import gossip_pb2 as pb  # noqa: E402
from gossipcheck.v1 import gossip_pb2_grpc as pb_grpc  # noqa: E402
from nodes import ENVELOPE_OVERHEAD, RULES, VARIANTS, CallFailed, Envelopes, Node, parse  # noqa: E402

IMPLEMENTATION = "gossipcheck-example-python"
VERSION = "0.1.0"
# The contract version this node implements (docs/contract.md, "Contract versions").
CONTRACT_VERSION = "1.4"
# The largest gRPC message the kit sends or accepts (proto/server.ts).
MAX_MESSAGE = 256 << 20

CAPABILITIES = pb.Capabilities(
    variants=list(VARIANTS),
    loss_of_interest=list(RULES),
    lockstep=True,
    # Every entry of a rumor variant's snapshot is INFECTIVE or REMOVED.
    rumor_status=True,
    push_sum=True,
)


class Endpoint:
    """Every node of the run, and the six calls. A stopped node stays known (None) until it is Init-ed again.

    Each call returns its result or raises CallFailed; the transport (unary
    or Session, below) wraps the messages. Tick, Deliver and Read take and
    return plain lists, so that a Round (Session.round) calls them directly.
    """

    def __init__(self) -> None:
        self.nodes: dict[str, Node | None] = {}
        # The harness calls one at a time; the lock keeps that true for any client.
        self.lock = threading.Lock()

    def init(self, request: pb.InitRequest) -> pb.InitResponse:
        with self.lock:
            if request.nodes:
                if request.clock_mode != pb.CLOCK_MODE_LOCKSTEP:
                    raise CallFailed(grpc.StatusCode.FAILED_PRECONDITION, "only lockstep clock mode is implemented")
                variant = VARIANTS.get(request.parameters.variant)
                if variant is None:
                    raise CallFailed(grpc.StatusCode.FAILED_PRECONDITION, "variant not implemented")
                if request.parameters.fanout < 1:
                    raise CallFailed(grpc.StatusCode.INVALID_ARGUMENT, "fanout must be at least 1")
                # Built first, so that parameters a node refuses change nothing.
                fresh = [variant(init, request.parameters) for init in request.nodes]
                self.nodes.update((node.id, node) for node in fresh)
            return pb.InitResponse(
                implementation=IMPLEMENTATION,
                version=VERSION,
                capabilities=CAPABILITIES,
                contract_version=CONTRACT_VERSION,
            )

    def tick(self, ids) -> Envelopes:
        with self.lock:
            return [env for node in self.running(ids) for env in node.tick()]

    def deliver(self, envelopes) -> Envelopes:
        with self.lock:
            # Validate the whole batch first: a refused call changes nothing.
            batch = []
            for i, env in enumerate(envelopes):
                if env.to not in self.nodes:
                    raise CallFailed(grpc.StatusCode.NOT_FOUND, f"envelope {i}: unknown node '{env.to}'")
                node = self.nodes[env.to]
                if node is None:
                    raise CallFailed(grpc.StatusCode.FAILED_PRECONDITION, f"envelope {i}: node '{env.to}' is stopped")
                if len(env.payload) > node.max_payload:
                    raise CallFailed(
                        grpc.StatusCode.INVALID_ARGUMENT, f"envelope {i}: payload exceeds max_payload_bytes"
                    )
                try:
                    batch.append((node, getattr(env, "from"), parse(env.payload, node.accepts)))
                except (ValueError, UnicodeDecodeError) as err:
                    raise CallFailed(grpc.StatusCode.INVALID_ARGUMENT, f"envelope {i}: bad payload: {err}") from None
            out: Envelopes = []
            for node, sender, msg in batch:
                out.extend(node.receive(sender, msg))
            return out

    def update(self, request: pb.UpdateRequest) -> pb.UpdateResponse:
        with self.lock:
            nodes = self.running([w.node for w in request.writes])
            # All or nothing: a write too large to travel refuses the whole batch.
            for i, (node, w) in enumerate(zip(nodes, request.writes)):
                if not node.fits(w.key, w.value):
                    raise CallFailed(
                        grpc.StatusCode.INVALID_ARGUMENT,
                        f"write {i}: key and value take more than max_payload_bytes - {ENVELOPE_OVERHEAD} bytes",
                    )
            acks, out = [], []
            for node, w in zip(nodes, request.writes):
                entry, envelopes = node.write(w.key, w.value)
                version = pb.Version(counter=entry.counter, origin=entry.origin)
                acks.append(pb.Ack(node=w.node, key=w.key, version=version))
                out.extend(envelopes)
            return pb.UpdateResponse(acks=acks, envelopes=out)

    def read(self, ids, memory: dict[str, tuple] | None = None, only_changed: bool = False) -> list[pb.Snapshot]:
        """A snapshot of each node. `memory` is a Session's: node id -> the view
        of the last snapshot it returned; it remembers the snapshots returned,
        and `only_changed` leaves out those equal to the remembered ones."""
        with self.lock:
            out = []
            for node in self.running(ids):
                if memory is not None:
                    view = node.view()
                    if only_changed and memory.get(node.id) == view:
                        continue
                    memory[node.id] = view
                out.append(node.snapshot())
            return out

    def stop(self, request: pb.StopRequest) -> pb.StopResponse:
        with self.lock:
            self.running(request.nodes)
            # Crash or clean, nothing is kept: this example declares no durable_restart.
            for node_id in request.nodes:
                self.nodes[node_id] = None
            return pb.StopResponse()

    def running(self, ids) -> list[Node]:
        out = []
        for node_id in ids:
            if node_id not in self.nodes:
                raise CallFailed(grpc.StatusCode.NOT_FOUND, f"unknown node '{node_id}'")
            node = self.nodes[node_id]
            if node is None:
                raise CallFailed(grpc.StatusCode.FAILED_PRECONDITION, f"node '{node_id}' is stopped")
            out.append(node)
        return out


# Each call as a SessionRequest names it (its oneof field, also SessionResponse's):
# its response message, and how the request runs on the Endpoint and fills an
# empty response in place (so a Session copies no envelope twice).
CALLS = {
    "init": (pb.InitResponse, lambda ep, req, res: res.CopyFrom(ep.init(req))),
    "tick": (pb.TickResponse, lambda ep, req, res: res.envelopes.extend(ep.tick(req.nodes))),
    "deliver": (pb.DeliverResponse, lambda ep, req, res: res.envelopes.extend(ep.deliver(req.envelopes))),
    "update": (pb.UpdateResponse, lambda ep, req, res: res.CopyFrom(ep.update(req))),
    "read": (pb.ReadResponse, lambda ep, req, res: res.snapshots.extend(ep.read(req.nodes))),
    "stop": (pb.StopResponse, lambda ep, req, res: res.CopyFrom(ep.stop(req))),
}


class Session:
    """One Session stream: each SessionRequest answered in order, as the unary call would be.

    It also plays RoundRequests, and remembers the snapshots it returned for
    `only_changed`: this stream's memory alone (the harness opens a new
    stream after a timeout and never reuses the old one).
    """

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        # Node id -> the view (Node.view) of the last snapshot this stream returned for it.
        self.memory: dict[str, tuple] = {}

    def answer(self, request: pb.SessionRequest) -> pb.SessionResponse:
        call = request.WhichOneof("call")
        response = pb.SessionResponse(id=request.id)
        try:
            if call == "round":
                response.round.SetInParent()
                self.round(request.round, response.round)
            elif call == "read":
                response.read.snapshots.extend(self.endpoint.read(request.read.nodes, self.memory))
            elif call in CALLS:
                if call == "init":
                    # Restarted nodes get their next snapshot in full.
                    for init in request.init.nodes:
                        self.memory.pop(init.id, None)
                result = getattr(response, call)
                result.SetInParent()  # the oneof holds this call's response, even an empty one
                CALLS[call][1](self.endpoint, getattr(request, call), result)
            else:
                raise CallFailed(grpc.StatusCode.UNIMPLEMENTED, f"no call '{call}' on this Session")
            return response
        except CallFailed as err:
            return pb.SessionResponse(id=request.id, error=err.call_error())

    def round(self, request: pb.RoundRequest, response: pb.RoundResponse) -> None:
        """Plays consecutive fault-free rounds exactly as the harness would, call by call, into `response`.

        gossip.proto (message RoundRequest) and docs/implementers-guide.md
        ("Playing rounds yourself") give the algorithm; each way a round ends
        is marked as the guide's table names it.
        """
        ep, nodes, live = self.endpoint, list(request.nodes), set(request.nodes)
        carried = list(request.due)
        for cap in request.max_envelopes:
            played = response.rounds.add()
            try:
                ticked = ep.tick(nodes)
            except CallFailed as err:
                played.tick_error.CopyFrom(err.call_error())
                return  # tick-fails
            played.ticked.extend(ticked)
            sent = len(ticked)
            if sent > cap:
                return  # tick-overflows
            due, carried = carried + ticked, []
            for _ in range(request.hop_limit):
                batch = [env for env in due if env.to in live]  # in order; the rest is dropped
                if not batch:
                    break  # cascade-ends
                hop = played.hops.add(delivered=len(batch))
                try:
                    due = ep.deliver(batch)
                    hop.envelopes.extend(due)
                except CallFailed as err:
                    hop.error.CopyFrom(err.call_error())  # deliver-fails
                    due = []
                sent += len(due)
                if sent > cap:
                    return  # hop-overflows
            else:
                carried = due  # hop-limit-reached: what is still due goes ahead of the next Tick's
            try:
                snapshots = ep.read(nodes, self.memory, request.only_changed)
            except CallFailed as err:
                played.read_error.CopyFrom(err.call_error())
                return  # read-fails
            played.snapshots.extend(snapshots)


class Servicer(pb_grpc.GossipNodeServicer):
    """The gRPC side: the unary calls, and the Session stream."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint

    def unary(self, call, request, context):
        response_type, run = CALLS[call]
        response = response_type()
        try:
            run(self.endpoint, request, response)
            return response
        except CallFailed as err:
            context.abort(err.code, err.message)

    def Init(self, request, context):
        return self.unary("init", request, context)

    def Tick(self, request, context):
        return self.unary("tick", request, context)

    def Deliver(self, request, context):
        return self.unary("deliver", request, context)

    def Update(self, request, context):
        return self.unary("update", request, context)

    def Read(self, request, context):
        return self.unary("read", request, context)

    def Stop(self, request, context):
        return self.unary("stop", request, context)

    def Session(self, request_iterator, context):
        # grpcio runs a streaming handler on one thread of the server's pool for
        # as long as the stream is open, that is for the whole run: each open
        # stream holds a worker. The harness opens a new stream after a call
        # times out (the old one may still be busy), so the pool (main) keeps
        # a few more workers than streams; with every worker held, a new
        # stream or unary call would wait. Lockstep sends one call at a time,
        # so answering in order on this thread is enough.
        session = Session(self.endpoint)
        for request in request_iterator:
            yield session.answer(request)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen", default=os.environ.get("GOSSIPCHECK_LISTEN", "127.0.0.1:0"), help="HOST:PORT")
    args = parser.parse_args()

    # Each open Session stream holds one worker for its lifetime (Servicer.Session).
    # Messages as large as the kit's own (a Round of many nodes, a large Deliver batch).
    limits = [("grpc.max_receive_message_length", MAX_MESSAGE), ("grpc.max_send_message_length", MAX_MESSAGE)]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), options=limits)
    pb_grpc.add_GossipNodeServicer_to_server(Servicer(Endpoint()), server)
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
