package harness

// The GossipNode service both programs serve (memberlist-node, serf-node):
// one process hosts every node of a run, each a library instance on its own
// timers, whose network is the harness (transport.go). What differs between
// the programs is a Library: what it declares and how it starts a node.

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	pb "gossipcheck/v1"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ContractVersion is the gossipcheck contract version the adapters implement
// (docs/contract.md, "Contract versions").
const ContractVersion = "1.4"

const (
	defaultPayload = 1 << 20
	// gossipcheck lets Update refuse a write over max_payload_bytes - 256.
	writeOverhead = 256
	maxGrpcBytes  = 256 << 20
)

// Library is what a program puts behind the service.
type Library struct {
	Implementation, Version string
	Capabilities            *pb.Capabilities
	// Check refuses what the program cannot run, after the common checks
	// (realtime, harness address, a declared variant, period, payload).
	Check func(p *pb.Parameters) error
	Start func(ni *pb.NodeInit, p *pb.Parameters, maxPayload int, send func(*pb.Envelope), verbose bool) (Node, error)
}

// Node is one hosted library instance.
type Node interface {
	Transport() *Transport
	// Halt: crash (clean false) or graceful leave, then shut down.
	Halt(clean bool) error
	Snapshot() *pb.Snapshot
	// CheckWrite refuses a write before any of its batch is applied.
	CheckWrite(key, value string) error
	Write(key, value string) Entry
}

type hosted struct {
	n          Node // nil once stopped
	t          *Transport
	maxPayload int
}

type endpoint struct {
	pb.UnimplementedGossipNodeServer
	lib     *Library
	verbose bool
	mu      sync.Mutex
	nodes   map[string]*hosted
	link    *harnessLink
}

func (s *endpoint) Init(_ context.Context, req *pb.InitRequest) (*pb.InitResponse, error) {
	res := &pb.InitResponse{
		Implementation:  s.lib.Implementation,
		Version:         s.lib.Version,
		Capabilities:    s.lib.Capabilities,
		ContractVersion: ContractVersion,
	}
	if len(req.Nodes) == 0 {
		return res, nil
	}
	if err := s.checkParams(req); err != nil {
		return nil, err
	}
	maxPayload := int(req.Parameters.MaxPayloadBytes)
	if maxPayload == 0 {
		maxPayload = defaultPayload
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.link == nil || s.link.addr != req.HarnessAddress {
		if s.link != nil {
			s.link.close()
		}
		s.link = newHarnessLink(req.HarnessAddress)
	}
	for _, ni := range req.Nodes {
		if h := s.nodes[ni.Id]; h != nil && h.n != nil {
			_ = h.n.Halt(false)
		}
		n, err := s.lib.Start(ni, req.Parameters, maxPayload, s.link.send, s.verbose)
		if err != nil {
			return nil, status.Errorf(codes.Internal, "node %s: %v", ni.Id, err)
		}
		s.nodes[ni.Id] = &hosted{n: n, t: n.Transport(), maxPayload: maxPayload}
	}
	return res, nil
}

func (s *endpoint) checkParams(req *pb.InitRequest) error {
	p := req.Parameters
	if p == nil {
		return status.Error(codes.InvalidArgument, "parameters missing")
	}
	if req.ClockMode != pb.ClockMode_CLOCK_MODE_REALTIME {
		return status.Errorf(codes.FailedPrecondition, "only realtime clock mode: %s runs its own timers", s.lib.Implementation)
	}
	if req.HarnessAddress == "" {
		return status.Error(codes.FailedPrecondition, "realtime needs harness_address (the direct transport is not implemented)")
	}
	declared := false
	for _, v := range s.lib.Capabilities.Variants {
		declared = declared || v == p.Variant
	}
	if !declared {
		return status.Errorf(codes.FailedPrecondition, "variant %v is not implemented", p.Variant)
	}
	if p.PeriodMs < 1 {
		return status.Error(codes.InvalidArgument, "period_ms must be at least 1")
	}
	if p.MaxPayloadBytes != 0 && p.MaxPayloadBytes < 512 {
		return status.Error(codes.InvalidArgument, "max_payload_bytes below 512")
	}
	return s.lib.Check(p)
}

// hostedNodes returns the named nodes, running or stopped, or refuses the call.
func (s *endpoint) hostedNodes(ids []string, running bool) ([]*hosted, error) {
	out := make([]*hosted, len(ids))
	for i, id := range ids {
		h := s.nodes[id]
		if h == nil {
			return nil, status.Errorf(codes.NotFound, "unknown node %q", id)
		}
		if running && h.n == nil {
			return nil, status.Errorf(codes.FailedPrecondition, "node %q is stopped", id)
		}
		out[i] = h
	}
	return out, nil
}

func (s *endpoint) Tick(context.Context, *pb.TickRequest) (*pb.TickResponse, error) {
	return nil, status.Errorf(codes.FailedPrecondition, "realtime only: %s runs its own timers", s.lib.Implementation)
}

// Deliver validates the whole batch, then hands each envelope to its node's
// transport. An envelope for a stopped node is dropped, as a network would.
func (s *endpoint) Deliver(_ context.Context, req *pb.DeliverRequest) (*pb.DeliverResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	to := make([]string, len(req.Envelopes))
	for i, env := range req.Envelopes {
		to[i] = env.To
	}
	hs, err := s.hostedNodes(to, false)
	if err != nil {
		return nil, err
	}
	frames := make([]Frame, len(req.Envelopes))
	for i, env := range req.Envelopes {
		if len(env.Payload) > hs[i].maxPayload {
			return nil, status.Errorf(codes.InvalidArgument, "envelope %d: payload exceeds max_payload_bytes", i)
		}
		if frames[i], err = DecodeFrame(env.Payload); err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "envelope %d: %v", i, err)
		}
		if !frames[i].Stream {
			if _, err := InspectPacket(frames[i].Data); err != nil {
				return nil, status.Errorf(codes.InvalidArgument, "envelope %d: not a memberlist packet: %v", i, err)
			}
		}
	}
	for i, env := range req.Envelopes {
		if hs[i].n != nil {
			hs[i].t.Deliver(env.From, frames[i])
		}
	}
	return &pb.DeliverResponse{}, nil
}

func (s *endpoint) Update(_ context.Context, req *pb.UpdateRequest) (*pb.UpdateResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, len(req.Writes))
	for i, w := range req.Writes {
		ids[i] = w.Node
	}
	hs, err := s.hostedNodes(ids, true)
	if err != nil {
		return nil, err
	}
	for i, w := range req.Writes {
		if len(w.Key)+len(w.Value) > hs[i].maxPayload-writeOverhead {
			return nil, status.Errorf(codes.InvalidArgument, "write %d: key and value exceed max_payload_bytes - %d", i, writeOverhead)
		}
		if err := hs[i].n.CheckWrite(w.Key, w.Value); err != nil {
			return nil, status.Errorf(status.Code(err), "write %d: %s", i, status.Convert(err).Message())
		}
	}
	res := &pb.UpdateResponse{}
	for i, w := range req.Writes {
		e := hs[i].n.Write(w.Key, w.Value)
		res.Acks = append(res.Acks, &pb.Ack{Node: w.Node, Key: w.Key, Version: &pb.Version{Counter: e.Counter, Origin: e.Origin}})
	}
	return res, nil
}

func (s *endpoint) Read(_ context.Context, req *pb.ReadRequest) (*pb.ReadResponse, error) {
	s.mu.Lock()
	hs, err := s.hostedNodes(req.Nodes, true)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	res := &pb.ReadResponse{}
	for _, h := range hs {
		res.Snapshots = append(res.Snapshots, h.n.Snapshot())
	}
	return res, nil
}

// Stop: crash is Shutdown without leaving; clean is Leave then Shutdown (its
// leave goes out through the harness stream, so the response carries none).
func (s *endpoint) Stop(_ context.Context, req *pb.StopRequest) (*pb.StopResponse, error) {
	s.mu.Lock()
	hs, err := s.hostedNodes(req.Nodes, true)
	var stopping []Node
	if err == nil {
		for _, h := range hs {
			stopping = append(stopping, h.n)
			h.n = nil
		}
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	clean := req.Mode == pb.StopMode_STOP_MODE_CLEAN
	var wg sync.WaitGroup
	for _, n := range stopping {
		wg.Add(1)
		go func(n Node) {
			defer wg.Done()
			if err := n.Halt(clean); err != nil && s.verbose {
				fmt.Fprintf(os.Stderr, "stop: %v\n", err)
			}
		}(n)
	}
	wg.Wait()
	return &pb.StopResponse{}, nil
}

func (s *endpoint) shutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.nodes {
		if h.n != nil {
			_ = h.n.Halt(false)
			h.n = nil
		}
	}
	if s.link != nil {
		s.link.close()
	}
}

// harnessLink streams envelopes to HarnessNetwork.Send, in order, in batches.
type harnessLink struct {
	addr string
	ch   chan *pb.Envelope
	done chan struct{}
	once sync.Once
}

func newHarnessLink(addr string) *harnessLink {
	l := &harnessLink{addr: addr, ch: make(chan *pb.Envelope, 1<<16), done: make(chan struct{})}
	go l.run()
	return l
}

// send never blocks the library: a full queue drops, like a full socket buffer.
func (l *harnessLink) send(env *pb.Envelope) {
	select {
	case l.ch <- env:
	default:
	}
}

func (l *harnessLink) close() { l.once.Do(func() { close(l.done) }) }

func (l *harnessLink) run() {
	conn, err := grpc.Dial(l.addr, grpc.WithInsecure(),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(maxGrpcBytes), grpc.MaxCallRecvMsgSize(maxGrpcBytes)))
	if err != nil {
		fmt.Fprintf(os.Stderr, "harness %s: %v\n", l.addr, err)
		return
	}
	defer conn.Close()
	client := pb.NewHarnessNetworkClient(conn)
	for {
		select {
		case <-l.done:
			return
		default:
		}
		ctx, cancel := context.WithCancel(context.Background())
		stream, err := client.Send(ctx)
		if err != nil {
			cancel()
			select {
			case <-l.done:
				return
			case <-time.After(50 * time.Millisecond):
			}
			continue
		}
		go func() {
			for {
				if _, err := stream.Recv(); err != nil {
					cancel()
					return
				}
			}
		}()
		l.pump(ctx, stream)
		cancel()
	}
}

func (l *harnessLink) pump(ctx context.Context, stream pb.HarnessNetwork_SendClient) {
	for {
		var batch []*pb.Envelope
		select {
		case <-l.done:
			_ = stream.CloseSend()
			return
		case <-ctx.Done():
			return
		case env := <-l.ch:
			batch = append(batch, env)
		}
		size := len(batch[0].Payload)
	more:
		for size < 4<<20 && len(batch) < 1024 {
			select {
			case env := <-l.ch:
				batch = append(batch, env)
				size += len(env.Payload)
			default:
				break more
			}
		}
		if err := stream.Send(&pb.SendRequest{Envelopes: batch}); err != nil {
			return
		}
	}
}

// Main serves lib: --listen HOST:PORT (or GOSSIPCHECK_LISTEN), --verbose.
func Main(lib *Library) {
	fallback := os.Getenv("GOSSIPCHECK_LISTEN")
	if fallback == "" {
		fallback = "127.0.0.1:0"
	}
	listen := flag.String("listen", fallback, "HOST:PORT to serve GossipNode on")
	verbose := flag.Bool("verbose", false, "the library's log on stderr")
	flag.Parse()

	lis, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	server := grpc.NewServer(grpc.MaxRecvMsgSize(maxGrpcBytes), grpc.MaxSendMsgSize(maxGrpcBytes))
	ep := &endpoint{lib: lib, nodes: map[string]*hosted{}, verbose: *verbose}
	pb.RegisterGossipNodeServer(server, ep)
	fmt.Printf("listening on %s\n", lis.Addr())

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-stop
		ep.shutdown()
		server.Stop()
	}()
	if err := server.Serve(lis); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
