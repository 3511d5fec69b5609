package main

// One hosted node: a memberlist.Memberlist with the harness transport, the
// parameter mapping of README.md, and what Read reports.

import (
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"reflect"
	"sort"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	pb "gossipcheck/v1"

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
	// Every member this instance has seen, with its last status: the library
	// forgets dead members after GossipToTheDeadTime, the contract keeps them.
	mu   sync.Mutex
	seen map[string]*pb.Member
}

// tcpTimeoutPeriods: the library's TCPTimeout, in gossip periods. The LAN
// default (10 s) would let one lost stream envelope stall a node's
// push-pulls (they run one at a time) for 50 periods of 200 ms.
const tcpTimeoutPeriods = 5

func config(id string, p *pb.Parameters) *memberlist.Config {
	period := time.Duration(p.PeriodMs) * time.Millisecond
	c := memberlist.DefaultLANConfig()
	c.Name = id
	c.BindAddr = "0.0.0.0"
	c.TCPTimeout = tcpTimeoutPeriods * period
	c.GossipInterval = period
	if p.Fanout > 0 {
		c.GossipNodes = int(p.Fanout)
	}
	switch p.Variant {
	case pb.Variant_VARIANT_MEMBERSHIP_SWIM:
		m := p.Membership
		c.ProbeInterval = time.Duration(m.ProbePeriod) * period
		// Ping in the period's first tick, ping-req from the second.
		c.ProbeTimeout = period
		c.IndirectChecks = int(m.IndirectProbes)
		c.SuspicionMult = int(m.SuspicionPeriods)
		// Lifeguard off: its stretching of suspicion timeouts (up to 6x) and
		// probe intervals (up to 8x) would run other parameters than declared.
		c.SuspicionMaxTimeoutMult = 1
		c.AwarenessMaxMultiplier = 1
		c.RetransmitMult = int(m.RetransmitMult)
		c.PushPullInterval = time.Duration(m.PushPullPeriods) * c.ProbeInterval
		// The LAN default's ratio: 30 s of gossip to the dead per 1 s probe interval.
		c.GossipToTheDeadTime = 30 * c.ProbeInterval
	case pb.Variant_VARIANT_ANTI_ENTROPY_PUSH_PULL:
		// One push-pull per period, with one random member held alive.
		c.PushPullInterval = period
	case pb.Variant_VARIANT_HYBRID:
		c.PushPullInterval = time.Duration(p.AntiEntropyEvery) * period
	case pb.Variant_VARIANT_RUMOR_PUSH:
		// The library's own push-pull stays (membership only: LocalState is nil).
	}
	return c
}

func startNode(init *pb.NodeInit, p *pb.Parameters, maxPayload int, send func(*pb.Envelope), verbose bool) (*node, error) {
	n := &node{
		id: init.Id, variant: p.Variant, period: time.Duration(p.PeriodMs) * time.Millisecond,
		stop: make(chan struct{}), seen: map[string]*pb.Member{},
	}
	cfg := config(init.Id, p)
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
	cfg.Transport = newTransport(init.Id, kv, maxPayload, send)
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
		addrs.of(t)
	}
	go n.join(targets)
	return n, nil
}

// join joins through every target at once (Join contacts them one after the
// other, waiting out each unreachable one), again every period until this
// node holds another member alive: the harness starts nodes one by one, so
// the first ones find nobody.
func (n *node) join(targets []string) {
	if len(targets) == 0 {
		return
	}
	var busy sync.Map
	tick := time.NewTicker(n.period)
	defer tick.Stop()
	for {
		if n.ml.NumMembers() > 1 {
			return
		}
		for _, t := range targets {
			if _, running := busy.LoadOrStore(t, true); running {
				continue
			}
			go func(t string) {
				defer busy.Delete(t)
				_, _ = n.ml.Join([]string{addrs.join(t)})
			}(t)
		}
		select {
		case <-n.stop:
			return
		case <-tick.C:
		}
	}
}

// halt: crash = Shutdown without a word; clean = Leave (the library's dead
// message about itself, broadcast until sent) then Shutdown.
func (n *node) halt(clean bool) error {
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

var statusOf = map[memberlist.NodeStateType]pb.MemberStatus{
	memberlist.StateAlive:   pb.MemberStatus_MEMBER_STATUS_ALIVE,
	memberlist.StateSuspect: pb.MemberStatus_MEMBER_STATUS_SUSPECT,
	memberlist.StateDead:    pb.MemberStatus_MEMBER_STATUS_DEAD,
	memberlist.StateLeft:    pb.MemberStatus_MEMBER_STATUS_LEFT,
}

func (n *node) snapshot() *pb.Snapshot {
	s := &pb.Snapshot{Node: n.id}
	if n.store != nil {
		s.Entries = n.store.snapshot()
	}
	s.MemberView = n.view()
	for _, m := range s.MemberView {
		if m.Status == pb.MemberStatus_MEMBER_STATUS_ALIVE || m.Status == pb.MemberStatus_MEMBER_STATUS_SUSPECT {
			s.Members = append(s.Members, m.Id)
		}
	}
	return s
}

// view: memberlist 0.2.2 exports no member's status or incarnation (Members()
// lists alive and suspect alike, and the exported Node.State is never
// written: the library keeps the state in its unexported nodeState). So the
// view is read, read-only and under the library's own lock, from the
// unexported node table; where that layout is not there, from Members().
func (n *node) view() []*pb.Member {
	n.mu.Lock()
	defer n.mu.Unlock()
	now := map[string]bool{}
	if table, ok := nodeTable(n.ml); ok {
		for _, m := range table {
			n.seen[m.Id] = m
			now[m.Id] = true
		}
	} else {
		for _, m := range n.ml.Members() {
			n.seen[m.Name] = &pb.Member{Id: m.Name, Status: pb.MemberStatus_MEMBER_STATUS_ALIVE}
			now[m.Name] = true
		}
	}
	out := make([]*pb.Member, 0, len(n.seen))
	for id, m := range n.seen {
		if !now[id] && m.Status != pb.MemberStatus_MEMBER_STATUS_LEFT {
			// Gone from the library's table: it reaps only dead members.
			m = &pb.Member{Id: id, Status: pb.MemberStatus_MEMBER_STATUS_DEAD, Incarnation: m.Incarnation}
			n.seen[id] = m
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Id < out[j].Id })
	return out
}

// tableLayout is checked once: the fields view reads, with the types it expects.
var tableLayout = func() bool {
	t := reflect.TypeOf(memberlist.Memberlist{})
	lock, ok1 := t.FieldByName("nodeLock")
	nodes, ok2 := t.FieldByName("nodes")
	if !ok1 || !ok2 || lock.Type != reflect.TypeOf(sync.RWMutex{}) ||
		nodes.Type.Kind() != reflect.Slice || nodes.Type.Elem().Kind() != reflect.Ptr {
		return false
	}
	st := nodes.Type.Elem().Elem()
	inc, ok3 := st.FieldByName("Incarnation")
	state, ok4 := st.FieldByName("State")
	name, ok5 := st.FieldByName("Name")
	return ok3 && ok4 && ok5 && inc.Type.Kind() == reflect.Uint32 &&
		state.Type == reflect.TypeOf(memberlist.StateAlive) && name.Type.Kind() == reflect.String &&
		len(state.Index) == 1 // nodeState's own State, not the embedded Node's
}()

func nodeTable(ml *memberlist.Memberlist) ([]*pb.Member, bool) {
	if !tableLayout {
		return nil, false
	}
	v := reflect.ValueOf(ml).Elem()
	lock := (*sync.RWMutex)(unsafe.Pointer(v.FieldByName("nodeLock").UnsafeAddr()))
	lock.RLock()
	defer lock.RUnlock()
	nodes := v.FieldByName("nodes")
	out := make([]*pb.Member, 0, nodes.Len())
	for i := 0; i < nodes.Len(); i++ {
		ns := nodes.Index(i).Elem()
		st := memberlist.NodeStateType(ns.FieldByName("State").Int())
		inc := ns.FieldByName("Incarnation").Uint()
		if inc > math.MaxUint32 {
			inc = math.MaxUint32
		}
		out = append(out, &pb.Member{Id: ns.FieldByName("Name").String(), Status: statusOf[st], Incarnation: inc})
	}
	return out, true
}
