package main

// The key-value store the hybrid puts on top of Serf, through its user events
// only: a write is UserEvent("kv", entry); Serf queues it in its event
// broadcast queue (retransmitted RetransmitMult * ceil(log10(n+1)) times,
// piggybacked on memberlist's packets and gossip rounds: a blind counter),
// every node re-queues an event the first time it sees it, and memberlist's
// push-pull carries Serf's recent-event buffer (anti-entropy over that
// window). Every event delivered on EventCh is merged, last writer wins.

import (
	"sort"
	"sync"

	"gossipcheck/harness"
	pb "gossipcheck/v1"

	"github.com/hashicorp/serf/serf"
)

// eventName names the adapter's user events (label.go reads only these).
const eventName = "kv"

type store struct {
	origin  string
	events  chan serf.Event
	send    func(name string, payload []byte, coalesce bool) error
	mu      sync.Mutex
	entries map[string]harness.Entry
}

func newStore(origin string) *store {
	// Serf delivers on EventCh synchronously, from memberlist's packet
	// handler: consume drains it at once.
	return &store{origin: origin, events: make(chan serf.Event, 1024), entries: map[string]harness.Entry{}}
}

// write is a client write: the key's counter plus one, this node's origin;
// Serf delivers its own event back on EventCh (a no-op merge).
func (s *store) write(key, value string) harness.Entry {
	s.mu.Lock()
	e := harness.Entry{Key: key, Value: value, Counter: s.entries[key].Counter + 1, Origin: s.origin}
	s.entries[key] = e
	s.mu.Unlock()
	// Not coalesced: Serf may otherwise deliver only the latest event of a name.
	_ = s.send(eventName, harness.EncodeEntry(nil, e), false)
	return e
}

func (s *store) merge(e harness.Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur, ok := s.entries[e.Key]; !ok || e.Newer(cur) {
		s.entries[e.Key] = e
	}
}

// consume merges every user event until the instance shuts down; member
// events are dropped (the view is read from Members()).
func (s *store) consume(shutdown <-chan struct{}) {
	for {
		select {
		case ev := <-s.events:
			if u, ok := ev.(serf.UserEvent); ok && u.Name == eventName {
				if e, err := harness.DecodeEntry(u.Payload); err == nil {
					s.merge(e)
				}
			}
		case <-shutdown:
			return
		}
	}
}

func (s *store) snapshot() []*pb.Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*pb.Entry, 0, len(s.entries))
	for _, e := range s.entries {
		out = append(out, &pb.Entry{Key: e.Key, Value: e.Value, Version: &pb.Version{Counter: e.Counter, Origin: e.Origin}})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
