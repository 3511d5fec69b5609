// A minimal gossipcheck endpoint in Go: direct mail, anti-entropy (push,
// pull, push-pull), push rumor mongering with feedback + counter, their
// hybrid, and push-sum. One process hosts every node of a run (each request
// names its nodes), in lockstep mode only: a node gossips when the harness
// sends it a Tick. The calls come one by one (unary) or on a Session stream,
// which also plays whole rounds (session.go).
//
//	examples/go/build.sh
//	gossipcheck run --impl "examples/go/bin/gossip-node --listen {listen}"
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"sync"
	"syscall"

	pb "gossipcheck/v1"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The contract version this node implements (docs/contract.md, "Contract versions").
const contractVersion = "1.4"

var capabilities = &pb.Capabilities{
	Variants: []pb.Variant{
		pb.Variant_VARIANT_DIRECT_MAIL,
		pb.Variant_VARIANT_ANTI_ENTROPY_PUSH,
		pb.Variant_VARIANT_ANTI_ENTROPY_PULL,
		pb.Variant_VARIANT_ANTI_ENTROPY_PUSH_PULL,
		pb.Variant_VARIANT_RUMOR_PUSH,
		pb.Variant_VARIANT_HYBRID,
		pb.Variant_VARIANT_PUSH_SUM,
	},
	LossOfInterest: []pb.LossOfInterest{pb.LossOfInterest_LOSS_OF_INTEREST_FEEDBACK_COUNTER},
	Lockstep:       true,
	RumorStatus:    true,
	PushSum:        true,
}

const maxMessage = 256 << 20

// endpoint hosts every node; a stopped node stays known (nil) until it is Init-ed again.
type endpoint struct {
	pb.UnimplementedGossipNodeServer
	mu    sync.Mutex
	nodes map[string]*node
}

func (s *endpoint) Init(_ context.Context, req *pb.InitRequest) (*pb.InitResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(req.Nodes) > 0 {
		if err := checkParams(req); err != nil {
			return nil, err
		}
		for _, init := range req.Nodes {
			s.nodes[init.Id] = newNode(init, req.Parameters)
		}
	}
	return &pb.InitResponse{
		Implementation:  "gossipcheck-example-go",
		Version:         "0.1.0",
		Capabilities:    capabilities,
		ContractVersion: contractVersion,
	}, nil
}

func checkParams(req *pb.InitRequest) error {
	p := req.Parameters
	if req.ClockMode != pb.ClockMode_CLOCK_MODE_LOCKSTEP {
		return status.Error(codes.FailedPrecondition, "only lockstep clock mode is implemented")
	}
	declared := false
	for _, v := range capabilities.Variants {
		declared = declared || v == p.GetVariant()
	}
	switch {
	case !declared:
		return status.Errorf(codes.FailedPrecondition, "variant %v is not implemented", p.GetVariant())
	case p.Variant != pb.Variant_VARIANT_DIRECT_MAIL && p.Fanout < 1:
		return status.Error(codes.InvalidArgument, "fanout must be at least 1")
	case (p.Variant == pb.Variant_VARIANT_RUMOR_PUSH || p.Variant == pb.Variant_VARIANT_HYBRID) &&
		(p.LossOfInterest != pb.LossOfInterest_LOSS_OF_INTEREST_FEEDBACK_COUNTER || p.RumorK < 1):
		return status.Error(codes.FailedPrecondition, "only feedback + counter loss of interest, with rumor_k >= 1")
	case p.Variant == pb.Variant_VARIANT_HYBRID && p.AntiEntropyEvery < 1:
		return status.Error(codes.InvalidArgument, "anti_entropy_every must be at least 1")
	}
	return nil
}

// running returns the named nodes, or refuses the whole call.
func (s *endpoint) running(ids []string) ([]*node, error) {
	out := make([]*node, len(ids))
	for i, id := range ids {
		n, known := s.nodes[id]
		if !known {
			return nil, status.Errorf(codes.NotFound, "unknown node %q", id)
		}
		if n == nil {
			return nil, status.Errorf(codes.FailedPrecondition, "node %q is stopped", id)
		}
		out[i] = n
	}
	return out, nil
}

func (s *endpoint) Tick(_ context.Context, req *pb.TickRequest) (*pb.TickResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	nodes, err := s.running(req.Nodes)
	if err != nil {
		return nil, err
	}
	res := &pb.TickResponse{}
	for _, n := range nodes {
		n.tick()
		res.Envelopes = append(res.Envelopes, n.takeOutbox()...)
	}
	return res, nil
}

func (s *endpoint) Deliver(_ context.Context, req *pb.DeliverRequest) (*pb.DeliverResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Validate the whole batch before applying anything: a refused call changes nothing.
	targets := make([]string, len(req.Envelopes))
	for i, env := range req.Envelopes {
		targets[i] = env.To
	}
	nodes, err := s.running(targets)
	if err != nil {
		return nil, err
	}
	msgs := make([]*message, len(req.Envelopes))
	for i, env := range req.Envelopes {
		if len(env.Payload) > nodes[i].maxSize {
			return nil, status.Errorf(codes.InvalidArgument, "envelope %d: payload exceeds max_payload_bytes", i)
		}
		if msgs[i], err = decode(env.Payload, nodes[i].accepts); err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "envelope %d: %v", i, err)
		}
	}
	res := &pb.DeliverResponse{}
	for i, env := range req.Envelopes {
		nodes[i].receive(env.From, msgs[i])
		res.Envelopes = append(res.Envelopes, nodes[i].takeOutbox()...)
	}
	return res, nil
}

func (s *endpoint) Update(_ context.Context, req *pb.UpdateRequest) (*pb.UpdateResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, len(req.Writes))
	for i, w := range req.Writes {
		ids[i] = w.Node
	}
	nodes, err := s.running(ids)
	if err != nil {
		return nil, err
	}
	// All or nothing: a write too large to travel refuses the whole batch.
	for i, w := range req.Writes {
		if !nodes[i].fits(w.Key, w.Value) {
			return nil, status.Errorf(codes.InvalidArgument,
				"write %d: key and value take more than max_payload_bytes - %d bytes", i, envelopeOverhead)
		}
	}
	res := &pb.UpdateResponse{}
	for i, w := range req.Writes {
		v := nodes[i].write(w.Key, w.Value)
		res.Acks = append(res.Acks, &pb.Ack{Node: w.Node, Key: w.Key, Version: &pb.Version{Counter: v.counter, Origin: v.origin}})
		res.Envelopes = append(res.Envelopes, nodes[i].takeOutbox()...)
	}
	return res, nil
}

func (s *endpoint) Read(_ context.Context, req *pb.ReadRequest) (*pb.ReadResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	nodes, err := s.running(req.Nodes)
	if err != nil {
		return nil, err
	}
	res := &pb.ReadResponse{}
	for _, n := range nodes {
		res.Snapshots = append(res.Snapshots, n.snapshot())
	}
	return res, nil
}

func (s *endpoint) Stop(_ context.Context, req *pb.StopRequest) (*pb.StopResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.running(req.Nodes); err != nil {
		return nil, err
	}
	// Crash or clean, nothing is kept: this example declares no durable_restart.
	for _, id := range req.Nodes {
		s.nodes[id] = nil
	}
	return &pb.StopResponse{}, nil
}

func main() {
	fallback := os.Getenv("GOSSIPCHECK_LISTEN")
	if fallback == "" {
		fallback = "127.0.0.1:0"
	}
	listen := flag.String("listen", fallback, "HOST:PORT to serve GossipNode on")
	flag.Parse()

	// Lockstep calls come one at a time: one OS thread serves them without
	// waking another at each handoff between gRPC's reader goroutine, the
	// handler and gRPC's writer (on a loaded machine every wake-up waits for
	// a CPU), and a heap of a few megabytes needs collecting less often.
	// The environment's GOMAXPROCS and GOGC still win.
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}

	lis, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// As large as the harness's own limit: a Round's answer may hold many rounds.
	server := grpc.NewServer(grpc.MaxRecvMsgSize(maxMessage), grpc.MaxSendMsgSize(maxMessage))
	pb.RegisterGossipNodeServer(server, &endpoint{nodes: map[string]*node{}})
	fmt.Printf("listening on %s\n", lis.Addr())

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-stop
		server.Stop()
	}()
	if err := server.Serve(lis); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
