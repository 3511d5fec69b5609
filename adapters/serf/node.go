package main

// One hosted node: a serf.Serf on a memberlist configured as the memberlist
// adapter configures it (harness.Config), Serf's own timing from the declared
// Parameters (README.md), the harness transport, and what Read reports.

import (
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"gossipcheck/harness"
	pb "gossipcheck/v1"

	"github.com/hashicorp/serf/serf"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

type node struct {
	id     string
	period time.Duration
	s      *serf.Serf
	t      *harness.Transport
	udp    int    // memberlist's packet size: a user event larger than this never travels
	store  *store // nil for VARIANT_MEMBERSHIP_SWIM
	stop   chan struct{}
	seen   *harness.Seen
}

// kvEventBuffer: Serf's recent-event window (EventBuffer, in Lamport times)
// for the hybrid. The default (512) drops an event older than the window
// outright (handleUserEvent: "received old event") and push-pull carries only
// the window; a run's writes stay far below this one.
const kvEventBuffer = 1 << 14

func config(id string, p *pb.Parameters, logger *log.Logger) *serf.Config {
	period := time.Duration(p.PeriodMs) * time.Millisecond
	mc := harness.Config(id, p)
	c := serf.DefaultConfig()
	c.NodeName = id
	c.MemberlistConfig = mc
	c.Logger = logger
	mc.Logger = logger
	// Serf's reconnect is a memberlist Join (a push-pull) to a random failed
	// member; healBound grants 2 push-pull intervals for "a push-pull to a
	// dead member", so it runs once per push-pull interval (see README.md).
	c.ReconnectInterval = mc.PushPullInterval
	// A leave: the intent broadcast, memberlist's leave, then a wait so that
	// peers stop probing (the defaults' ratio to the 1 s probe interval).
	c.BroadcastTimeout = 20 * period
	if c.BroadcastTimeout > 5*time.Second {
		c.BroadcastTimeout = 5 * time.Second
	}
	c.LeavePropagateDelay = mc.ProbeInterval
	// Network coordinates (RTT estimates riding on acks) mean nothing over the harness.
	c.DisableCoordinates = true
	if p.Variant == pb.Variant_VARIANT_HYBRID {
		// Serf's event queue retransmits RetransmitMult * ceil(log10(n+1)) times.
		mc.RetransmitMult = int(p.RumorK)
		c.EventBuffer = kvEventBuffer
		c.UserEventSizeLimit = serf.UserEventSizeLimit
	}
	return c
}

func startNode(init *pb.NodeInit, p *pb.Parameters, maxPayload int, send func(*pb.Envelope), verbose bool) (harness.Node, error) {
	n := &node{
		id: init.Id, period: time.Duration(p.PeriodMs) * time.Millisecond,
		stop: make(chan struct{}), seen: harness.NewSeen(),
	}
	var out io.Writer = io.Discard
	if verbose {
		out = os.Stderr
	}
	cfg := config(init.Id, p, log.New(out, init.Id+" ", log.Lmicroseconds))
	kv := p.Variant == pb.Variant_VARIANT_HYBRID
	n.t = harness.NewTransport(init.Id, label(kv), maxPayload, send)
	cfg.MemberlistConfig.Transport = n.t
	n.udp = cfg.MemberlistConfig.UDPBufferSize
	if kv {
		origin := init.Id
		if init.Generation > 0 {
			origin = fmt.Sprintf("%s#%d", init.Id, init.Generation)
		}
		n.store = newStore(origin)
		cfg.EventCh = n.store.events
	}
	s, err := serf.Create(cfg)
	if err != nil {
		return nil, err
	}
	n.s = s
	if n.store != nil {
		n.store.send = s.UserEvent
		go n.store.consume(s.ShutdownCh())
	}
	targets := init.Peers
	if len(targets) == 0 {
		targets = init.Seeds
	}
	for _, t := range targets {
		harness.Addrs.Of(t)
	}
	go harness.JoinLoop(targets, n.period, n.stop, s.NumNodes, func(addr string) {
		_, _ = s.Join([]string{addr}, false)
	})
	return n, nil
}

func (n *node) Transport() *harness.Transport { return n.t }

// Halt: crash = Shutdown without a word; clean = Serf's Leave (its leave
// intent, memberlist's leave, the propagation wait) then Shutdown.
func (n *node) Halt(clean bool) error {
	close(n.stop)
	var err error
	if clean {
		err = n.s.Leave()
	}
	if serr := n.s.Shutdown(); err == nil {
		err = serr
	}
	return err
}

func (n *node) CheckWrite(key, value string) error {
	if n.store == nil {
		return status.Error(codes.FailedPrecondition, "membership-swim keeps no store")
	}
	// Serf queues a user event as a memberlist broadcast, sent only if it fits
	// one packet (UDPBufferSize) beside the event's own header (LTime, name,
	// flags: under 64 bytes) and the compound header.
	e := harness.Entry{Key: key, Value: value, Counter: 1 << 62, Origin: n.store.origin}
	if len(harness.EncodeEntry(nil, e))+64 > n.udp {
		return status.Errorf(codes.InvalidArgument,
			"too large for one memberlist packet (UDPBufferSize %d): as a user event it would never be sent", n.udp)
	}
	return nil
}

func (n *node) Write(key, value string) harness.Entry { return n.store.write(key, value) }

// Serf's member statuses; Serf has no suspicion (memberlist's suspect member
// stays alive to Serf until it is declared dead), and a member leaving
// (its intent seen, its memberlist leave not yet) has left the group.
var statusOf = map[serf.MemberStatus]pb.MemberStatus{
	serf.StatusAlive:   pb.MemberStatus_MEMBER_STATUS_ALIVE,
	serf.StatusLeaving: pb.MemberStatus_MEMBER_STATUS_LEFT,
	serf.StatusLeft:    pb.MemberStatus_MEMBER_STATUS_LEFT,
	serf.StatusFailed:  pb.MemberStatus_MEMBER_STATUS_DEAD,
}

func (n *node) Snapshot() *pb.Snapshot {
	s := &pb.Snapshot{Node: n.id}
	if n.store != nil {
		s.Entries = n.store.snapshot()
	}
	s.MemberView = n.view()
	s.Members = harness.Live(s.MemberView)
	return s
}

// view: the statuses Serf's Members() gives; the incarnation, which Serf does
// not export, from the memberlist underneath it (harness.NodeTable), where
// it still lists the member.
func (n *node) view() []*pb.Member {
	inc := map[string]uint64{}
	if table, ok := harness.NodeTable(n.s.Memberlist()); ok {
		for _, m := range table {
			inc[m.Id] = m.Incarnation
		}
	}
	var now []*pb.Member
	for _, m := range n.s.Members() {
		st, ok := statusOf[m.Status]
		if !ok {
			continue // StatusNone: not a member yet
		}
		now = append(now, &pb.Member{Id: m.Name, Status: st, Incarnation: inc[m.Name]})
	}
	return n.seen.View(now)
}
