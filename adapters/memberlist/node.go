package main

// One hosted node: a memberlist.Memberlist with the harness transport, the
// parameter mapping of README.md, and what Read reports.

import (
	"fmt"
	"io"
	"log"
	"os"
	"sync/atomic"
	"time"

	"gossipcheck/harness"
	pb "gossipcheck/v1"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/hashicorp/memberlist"
)

type node struct {
	id      string
	variant pb.Variant
	period  time.Duration
	ml      *memberlist.Memberlist
	created atomic.Pointer[memberlist.Memberlist] // for the queue, which may ask before Create returns
	store   *store                                // nil for VARIANT_MEMBERSHIP_SWIM
	cfg     *memberlist.Config
	stop    chan struct{}
	seen    *harness.Seen
}

func startNode(init *pb.NodeInit, p *pb.Parameters, maxPayload int, send func(*pb.Envelope), verbose bool) (harness.Node, error) {
	n := &node{
		id: init.Id, variant: p.Variant, period: time.Duration(p.PeriodMs) * time.Millisecond,
		stop: make(chan struct{}), seen: harness.NewSeen(),
	}
	cfg := harness.Config(init.Id, p)
	kv := p.Variant != pb.Variant_VARIANT_MEMBERSHIP_SWIM
	if kv {
		origin := init.Id
		if init.Generation > 0 {
			origin = fmt.Sprintf("%s#%d", init.Id, init.Generation)
		}
		n.store = newStore(origin, p.Variant, int(p.RumorK), func() int {
			if ml := n.created.Load(); ml != nil {
				return ml.NumMembers()
			}
			return 1
		})
		cfg.Delegate = n.store
	}
	cfg.Transport = harness.NewTransport(init.Id, label(kv), maxPayload, send)
	var out io.Writer = io.Discard
	if verbose {
		out = os.Stderr
	}
	cfg.Logger = log.New(out, init.Id+" ", log.Lmicroseconds)
	ml, err := memberlist.Create(cfg)
	if err != nil {
		return nil, err
	}
	n.ml, n.cfg = ml, cfg
	n.created.Store(ml)
	targets := init.Peers
	if len(targets) == 0 {
		targets = init.Seeds
	}
	for _, t := range targets {
		harness.Addrs.Of(t)
	}
	go harness.JoinLoop(targets, n.period, n.stop, ml.NumMembers, func(addr string) {
		_, _ = ml.Join([]string{addr})
	})
	return n, nil
}

func (n *node) Transport() *harness.Transport { return n.cfg.Transport.(*harness.Transport) }

// Halt: crash = Shutdown without a word; clean = Leave (the library's dead
// message about itself, broadcast until sent) then Shutdown.
func (n *node) Halt(clean bool) error {
	close(n.stop)
	var err error
	if clean {
		timeout := 20 * n.period
		if timeout > 5*time.Second {
			timeout = 5 * time.Second
		}
		err = n.ml.Leave(timeout)
	}
	if serr := n.ml.Shutdown(); err == nil {
		err = serr
	}
	return err
}

func (n *node) CheckWrite(key, value string) error {
	if n.store == nil {
		return status.Error(codes.FailedPrecondition, "membership-swim keeps no store")
	}
	// The library piggybacks a broadcast only if it fits one packet
	// (UDPBufferSize, less a compound header and the user message byte).
	e := harness.Entry{Key: key, Value: value, Counter: 1 << 62, Origin: n.store.origin}
	if n.store.rumors && len(harness.EncodeEntry(nil, e))+5 > n.cfg.UDPBufferSize {
		return status.Errorf(codes.InvalidArgument,
			"too large for one memberlist packet (UDPBufferSize %d): as a rumor it would never be sent", n.cfg.UDPBufferSize)
	}
	return nil
}

func (n *node) Write(key, value string) harness.Entry { return n.store.write(key, value) }

func (n *node) Snapshot() *pb.Snapshot {
	s := &pb.Snapshot{Node: n.id}
	if n.store != nil {
		s.Entries = n.store.snapshot()
	}
	s.MemberView = n.view()
	s.Members = harness.Live(s.MemberView)
	return s
}

// view: memberlist 0.2.2 exports no member's status or incarnation (Members()
// lists alive and suspect alike, and the exported Node.State is never
// written: the library keeps the state in its unexported nodeState). So the
// view is read, read-only and under the library's own lock, from the
// unexported node table; where that layout is not there, from Members().
func (n *node) view() []*pb.Member {
	if table, ok := harness.NodeTable(n.ml); ok {
		return n.seen.View(table)
	}
	var now []*pb.Member
	for _, m := range n.ml.Members() {
		now = append(now, &pb.Member{Id: m.Name, Status: pb.MemberStatus_MEMBER_STATUS_ALIVE})
	}
	return n.seen.View(now)
}
