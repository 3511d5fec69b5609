package harness

// What both programs need of memberlist's member table: the view a node
// reports (statuses and incarnations, kept after the library forgets a
// member) and the join loop.

import (
	"math"
	"reflect"
	"sort"
	"sync"
	"time"
	"unsafe"

	pb "gossipcheck/v1"

	"github.com/hashicorp/memberlist"
)

var statusOf = map[memberlist.NodeStateType]pb.MemberStatus{
	memberlist.StateAlive:   pb.MemberStatus_MEMBER_STATUS_ALIVE,
	memberlist.StateSuspect: pb.MemberStatus_MEMBER_STATUS_SUSPECT,
	memberlist.StateDead:    pb.MemberStatus_MEMBER_STATUS_DEAD,
	memberlist.StateLeft:    pb.MemberStatus_MEMBER_STATUS_LEFT,
}

// Seen is every member an instance has listed, with its last status: the
// libraries forget dead members (memberlist after GossipToTheDeadTime, Serf
// after ReconnectTimeout), the contract keeps them.
type Seen struct {
	mu sync.Mutex
	m  map[string]*pb.Member
}

func NewSeen() *Seen { return &Seen{m: map[string]*pb.Member{}} }

// View records what the library lists now and returns every member seen, by
// id; one listed before and gone now is DEAD (both libraries reap only dead
// members; a left one keeps LEFT).
func (s *Seen) View(now []*pb.Member) []*pb.Member {
	s.mu.Lock()
	defer s.mu.Unlock()
	listed := map[string]bool{}
	for _, m := range now {
		s.m[m.Id] = m
		listed[m.Id] = true
	}
	out := make([]*pb.Member, 0, len(s.m))
	for id, m := range s.m {
		if !listed[id] && m.Status != pb.MemberStatus_MEMBER_STATUS_LEFT {
			m = &pb.Member{Id: id, Status: pb.MemberStatus_MEMBER_STATUS_DEAD, Incarnation: m.Incarnation}
			s.m[id] = m
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Id < out[j].Id })
	return out
}

// Snapshot's members: those alive or suspect in the view.
func Live(view []*pb.Member) []string {
	var out []string
	for _, m := range view {
		if m.Status == pb.MemberStatus_MEMBER_STATUS_ALIVE || m.Status == pb.MemberStatus_MEMBER_STATUS_SUSPECT {
			out = append(out, m.Id)
		}
	}
	return out
}

// tableLayout is checked once: the fields NodeTable reads, with the types it expects.
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

// NodeTable reads memberlist 0.2.2's unexported node table (name, state,
// incarnation), read-only and under the library's own nodeLock: the library
// exports no member's status or incarnation (README.md). false where that
// layout is not there.
func NodeTable(ml *memberlist.Memberlist) ([]*pb.Member, bool) {
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

// JoinLoop joins through every target at once (memberlist's Join contacts
// them one after the other, waiting out each unreachable one), again every
// period until members() counts another member: the harness starts nodes
// one by one, so the first ones find nobody. join gets "name/ip:port".
func JoinLoop(targets []string, period time.Duration, stop <-chan struct{}, members func() int, join func(addr string)) {
	if len(targets) == 0 {
		return
	}
	for _, t := range targets {
		Addrs.Of(t)
	}
	var busy sync.Map
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		if members() > 1 {
			return
		}
		for _, t := range targets {
			if _, running := busy.LoadOrStore(t, true); running {
				continue
			}
			go func(t string) {
				defer busy.Delete(t)
				join(Addrs.Join(t))
			}(t)
		}
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}
