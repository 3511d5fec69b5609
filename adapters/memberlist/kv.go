package main

// The key-value store the KV variants put on top of memberlist, through the
// library's own extension points only: user broadcasts in a
// TransmitLimitedQueue (rumors: the library retransmits each one
// RetransmitMult * ceil(log10(n+1)) times, piggybacked on its packets and in
// its gossip rounds, then drops it: a blind counter) and the Delegate's
// LocalState / MergeRemoteState (the state memberlist's push-pull carries).

import (
	"sort"
	"sync"
	"sync/atomic"

	"gossipcheck/harness"
	pb "gossipcheck/v1"

	"github.com/hashicorp/memberlist"
)

type store struct {
	origin  string
	rumors  bool // VARIANT_RUMOR_PUSH, VARIANT_HYBRID
	state   bool // VARIANT_ANTI_ENTROPY_PUSH_PULL, VARIANT_HYBRID
	queue   *memberlist.TransmitLimitedQueue
	mu      sync.Mutex
	entries map[string]harness.Entry
	// The broadcast in the queue for a key's current version; a key is
	// infective while it is there, removed once the queue let it go.
	hot map[string]*rumor
}

var _ memberlist.Delegate = (*store)(nil)

func newStore(origin string, variant pb.Variant, retransmitMult int, members func() int) *store {
	s := &store{
		origin:  origin,
		rumors:  variant == pb.Variant_VARIANT_RUMOR_PUSH || variant == pb.Variant_VARIANT_HYBRID,
		state:   variant == pb.Variant_VARIANT_ANTI_ENTROPY_PUSH_PULL || variant == pb.Variant_VARIANT_HYBRID,
		entries: map[string]harness.Entry{},
		hot:     map[string]*rumor{},
	}
	if s.rumors {
		s.queue = &memberlist.TransmitLimitedQueue{NumNodes: members, RetransmitMult: retransmitMult}
	}
	return s
}

// rumor is a user broadcast; named by its key, so a newer version of a key
// replaces the older one still queued (the library calls Finished on it).
type rumor struct {
	s    *store
	e    harness.Entry
	msg  []byte
	done int32
}

func (r *rumor) Name() string                          { return r.e.Key }
func (r *rumor) Invalidates(memberlist.Broadcast) bool { return false }
func (r *rumor) Message() []byte                       { return r.msg }

func (r *rumor) Finished() {
	if !atomic.CompareAndSwapInt32(&r.done, 0, 1) {
		return
	}
	r.s.mu.Lock()
	if r.s.hot[r.e.Key] == r {
		delete(r.s.hot, r.e.Key)
	}
	r.s.mu.Unlock()
}

// write is a client write: the key's counter plus one, this node's origin.
func (s *store) write(key, value string) harness.Entry {
	s.mu.Lock()
	e := harness.Entry{Key: key, Value: value, Counter: s.entries[key].Counter + 1, Origin: s.origin}
	s.entries[key] = e
	r := s.heat(e)
	s.mu.Unlock()
	s.spread(r)
	return e
}

// merge keeps the greater version; what is new becomes a rumor again (a
// hybrid node's entries learned by anti-entropy too).
func (s *store) merge(es []harness.Entry) {
	var rs []*rumor
	s.mu.Lock()
	for _, e := range es {
		if cur, ok := s.entries[e.Key]; ok && !e.Newer(cur) {
			continue
		}
		s.entries[e.Key] = e
		if r := s.heat(e); r != nil {
			rs = append(rs, r)
		}
	}
	s.mu.Unlock()
	for _, r := range rs {
		s.spread(r)
	}
}

func (s *store) heat(e harness.Entry) *rumor {
	if !s.rumors {
		return nil
	}
	r := &rumor{s: s, e: e, msg: harness.EncodeEntry(nil, e)}
	s.hot[e.Key] = r
	return r
}

// spread queues outside s.mu: the queue calls Finished under its own lock.
func (s *store) spread(r *rumor) {
	if r != nil {
		s.queue.QueueBroadcast(r)
	}
}

func (s *store) snapshot() []*pb.Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*pb.Entry, 0, len(s.entries))
	for _, e := range s.entries {
		pe := &pb.Entry{Key: e.Key, Value: e.Value, Version: &pb.Version{Counter: e.Counter, Origin: e.Origin}}
		if s.rumors {
			pe.Status = pb.SirStatus_SIR_STATUS_REMOVED
			if s.hot[e.Key] != nil {
				pe.Status = pb.SirStatus_SIR_STATUS_INFECTIVE
			}
		}
		out = append(out, pe)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// ---- memberlist.Delegate ----

func (s *store) NodeMeta(int) []byte { return nil }

func (s *store) NotifyMsg(b []byte) {
	if e, err := harness.DecodeEntry(b); err == nil {
		s.merge([]harness.Entry{e})
	}
}

func (s *store) GetBroadcasts(overhead, limit int) [][]byte {
	if s.queue == nil {
		return nil
	}
	return s.queue.GetBroadcasts(overhead, limit)
}

// LocalState is the whole store: memberlist's push-pull has no digest round.
func (s *store) LocalState(bool) []byte {
	if !s.state {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	es := make([]harness.Entry, 0, len(s.entries))
	for _, e := range s.entries {
		es = append(es, e)
	}
	sort.Slice(es, func(i, j int) bool { return es[i].Key < es[j].Key })
	return harness.EncodeState(es)
}

func (s *store) MergeRemoteState(b []byte, _ bool) {
	if !s.state {
		return
	}
	if es, err := harness.DecodeState(b); err == nil {
		s.merge(es)
	}
}
