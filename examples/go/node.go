package main

// One gossip node: a last-writer-wins store plus the variant's behaviour.
//
//   direct mail (Demers et al. 1987 §1.1): each write is mailed once to every
//     peer, at Update time; Tick sends nothing.
//   anti-entropy (§1.3): each period, with `fanout` random peers, A sends B a
//     digest (keys and versions, no values), then only entries the other side
//     lacks or holds older travel:
//       push:       A -> B digest;  B -> A want;          A -> B entries
//       pull:       A -> B digest;  B -> A entries
//       push-pull:  A -> B digest;  B -> A entries-want;  A -> B entries
//     (push-pull's answer is a plain want or entries when the other half is empty.)
//   rumor push, feedback + counter (§1.4): a node holding a "hot" update
//     pushes it to `fanout` peers each period; each recipient answers with
//     feedback, and after k unnecessary contacts in a row the sender loses
//     interest (the update becomes "removed").
//   hybrid (§1.5): rumor push, plus one push-pull exchange every
//     `anti_entropy_every` periods to repair what the rumor missed.
//   push-sum (Kempe et al. 2003): each period a node splits its mass (sum,
//     weight) into f+1 equal shares for f random peers, keeps one and sends
//     one to each; shares received are added. Every sum/weight tends to the
//     average of the initial values. Client writes are only kept locally.

import (
	"fmt"
	"math/rand"
	"sort"

	pb "gossipcheck/v1"
)

// The kinds each variant's nodes send and accept (docs/implementers-guide.md, section 5).
var kinds = map[pb.Variant][]string{
	pb.Variant_VARIANT_DIRECT_MAIL:            {"mail"},
	pb.Variant_VARIANT_ANTI_ENTROPY_PUSH:      {"digest", "want", "entries"},
	pb.Variant_VARIANT_ANTI_ENTROPY_PULL:      {"digest", "entries"},
	pb.Variant_VARIANT_ANTI_ENTROPY_PUSH_PULL: {"digest", "entries-want", "entries", "want"},
	pb.Variant_VARIANT_RUMOR_PUSH:             {"rumor", "feedback"},
	pb.Variant_VARIANT_HYBRID:                 {"rumor", "feedback", "digest", "entries-want", "entries", "want"},
	pb.Variant_VARIANT_PUSH_SUM:               {"pushsum"},
}

type version struct {
	counter uint64
	origin  string
}

// Last writer wins: the higher counter, then the greater origin id.
func (a version) newerThan(b version) bool {
	if a.counter != b.counter {
		return a.counter > b.counter
	}
	return a.origin > b.origin
}

type entry struct {
	value   string
	version version
}

type rumor struct {
	hot bool
	// The node's round when it learned the version it holds.
	learnedAt int
	// Unnecessary contacts in a row.
	unnecessary uint32
}

type node struct {
	id      string
	writer  string
	peers   []string
	params  *pb.Parameters
	accepts map[string]bool
	rng     *rand.Rand
	store   map[string]entry
	rumors  map[string]*rumor
	// Push-sum mass.
	sum, weight float64
	round       int
	maxSize     int
	outbox      []*pb.Envelope
}

const defaultMaxPayload = 1 << 20

func newNode(init *pb.NodeInit, params *pb.Parameters) *node {
	writer := init.Id
	if init.Generation > 0 {
		// Restarted without its disk: never reissue a version issued before the crash.
		writer = fmt.Sprintf("%s#%d", init.Id, init.Generation)
	}
	maxSize := int(params.MaxPayloadBytes)
	if maxSize == 0 {
		maxSize = defaultMaxPayload
	}
	accepts := map[string]bool{}
	for _, k := range kinds[params.Variant] {
		accepts[k] = true
	}
	return &node{
		id:      init.Id,
		writer:  writer,
		peers:   append([]string(nil), init.Peers...),
		params:  params,
		accepts: accepts,
		rng:     rand.New(rand.NewSource(int64(init.RngSeed))),
		store:   map[string]entry{},
		rumors:  map[string]*rumor{},
		sum:     init.InitialValue,
		weight:  1,
		maxSize: maxSize,
	}
}

func (n *node) is(variants ...pb.Variant) bool {
	for _, v := range variants {
		if n.params.Variant == v {
			return true
		}
	}
	return false
}

func (n *node) rumorMongering() bool {
	return n.is(pb.Variant_VARIANT_RUMOR_PUSH, pb.Variant_VARIANT_HYBRID)
}

// A digest's recipient asks for what the sender holds newer (push) ...
func (n *node) pushes() bool {
	return n.is(pb.Variant_VARIANT_ANTI_ENTROPY_PUSH, pb.Variant_VARIANT_ANTI_ENTROPY_PUSH_PULL, pb.Variant_VARIANT_HYBRID)
}

// ... and sends back what it holds newer (pull).
func (n *node) pulls() bool {
	return n.is(pb.Variant_VARIANT_ANTI_ENTROPY_PULL, pb.Variant_VARIANT_ANTI_ENTROPY_PUSH_PULL, pb.Variant_VARIANT_HYBRID)
}

// send queues an envelope, or several to the same peer when the message is
// larger than max_payload_bytes; the caller collects n.outbox after each call.
func (n *node) send(to string, m *message) {
	payload := encode(m)
	if len(payload) > n.maxSize {
		// A single item too large to send alone is dropped; it cannot happen,
		// since Update refuses a write that would not fit (fits).
		for _, part := range m.split() {
			n.send(to, part)
		}
		return
	}
	n.outbox = append(n.outbox, &pb.Envelope{
		From: n.id, To: to, Payload: payload, Kind: m.Kind, Keys: m.carriedKeys(),
	})
}

// envelopeOverhead is the room the contract leaves for an entry's version and
// the message around it: a write whose key and value take more than
// max_payload_bytes minus this may be refused.
const envelopeOverhead = 256

// fits reports whether one entry with this key and value fits one envelope.
func (n *node) fits(key, value string) bool {
	return len(key)+len(value) <= n.maxSize-envelopeOverhead
}

func (n *node) takeOutbox() []*pb.Envelope {
	out := n.outbox
	n.outbox = nil
	return out
}

// Sorted keys: Go's map order is random, and a lockstep run must replay byte for byte.
func (n *node) keys() []string {
	keys := make([]string, 0, len(n.store))
	for k := range n.store {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (n *node) wire(keys []string) []wireEntry {
	var out []wireEntry
	for _, k := range keys {
		if e, ok := n.store[k]; ok {
			out = append(out, wireEntry{K: k, V: e.value, C: e.version.counter, O: e.version.origin})
		}
	}
	return out
}

func (n *node) sample(k int) []string {
	if k > len(n.peers) {
		k = len(n.peers)
	}
	order := n.rng.Perm(len(n.peers))[:k]
	out := make([]string, k)
	for i, j := range order {
		out[i] = n.peers[j]
	}
	return out
}

// merge keeps the newer version; a key that got newer is a fresh rumor.
func (n *node) merge(e wireEntry) bool {
	v := version{e.C, e.O}
	if cur, ok := n.store[e.K]; ok && !v.newerThan(cur.version) {
		return false
	}
	n.store[e.K] = entry{e.V, v}
	n.learned(e.K)
	return true
}

func (n *node) learned(key string) {
	if n.rumorMongering() {
		n.rumors[key] = &rumor{hot: true, learnedAt: n.round}
	}
}

func (n *node) write(key, value string) version {
	v := version{n.store[key].version.counter + 1, n.writer}
	n.store[key] = entry{value, v}
	n.learned(key)
	if n.is(pb.Variant_VARIANT_DIRECT_MAIL) {
		mail := &message{Kind: "mail", Entries: n.wire([]string{key})}
		for _, peer := range n.peers {
			n.send(peer, mail)
		}
	}
	return v
}

func (n *node) tick() {
	n.round++
	if n.rumorMongering() {
		n.pushRumors()
	}
	switch n.params.Variant {
	case pb.Variant_VARIANT_ANTI_ENTROPY_PUSH, pb.Variant_VARIANT_ANTI_ENTROPY_PULL, pb.Variant_VARIANT_ANTI_ENTROPY_PUSH_PULL:
		n.startExchanges(int(n.params.Fanout))
	case pb.Variant_VARIANT_HYBRID:
		if n.round%int(n.params.AntiEntropyEvery) == 0 {
			n.startExchanges(1)
		}
	case pb.Variant_VARIANT_PUSH_SUM:
		n.pushShares()
	}
}

// startExchanges sends a digest of the whole store, the whole key range (send
// splits it into narrower ranges if it is too large), to `count` random peers.
func (n *node) startExchanges(count int) {
	digest := &message{Kind: "digest"}
	for _, k := range n.keys() {
		e := n.store[k]
		digest.Digest = append(digest.Digest, wireVersion{k, e.version.counter, e.version.origin})
	}
	for _, peer := range n.sample(count) {
		n.send(peer, digest)
	}
}

func (n *node) pushRumors() {
	var hot []string
	for _, k := range n.keys() {
		if r := n.rumors[k]; r != nil && r.hot {
			hot = append(hot, k)
		}
	}
	if len(hot) == 0 {
		return
	}
	msg := &message{Kind: "rumor", Entries: n.wire(hot)}
	for _, peer := range n.sample(int(n.params.Fanout)) {
		n.send(peer, msg)
	}
}

func (n *node) pushShares() {
	targets := n.sample(int(n.params.Fanout))
	if len(targets) == 0 {
		return
	}
	m := float64(len(targets))
	s, w := n.sum/(m+1), n.weight/(m+1)
	// Keep the remainder, not a computed share: rounding stays here instead of being lost.
	n.sum -= m * s
	n.weight -= m * w
	for _, peer := range targets {
		n.send(peer, &message{Kind: "pushsum", S: s, W: w})
	}
}

func (n *node) receive(from string, m *message) {
	switch m.Kind {
	case "digest":
		n.answerDigest(from, m)
	case "want":
		if entries := n.wire(m.Want); len(entries) > 0 {
			n.send(from, &message{Kind: "entries", Entries: entries})
		}
	case "entries-want", "entries", "mail":
		for _, e := range m.Entries {
			n.merge(e)
		}
		if entries := n.wire(m.Want); len(entries) > 0 {
			n.send(from, &message{Kind: "entries", Entries: entries})
		}
	case "rumor":
		reply := &message{Kind: "feedback"}
		for _, e := range m.Entries {
			// Unnecessary: we held this version (or newer) before this round began.
			r := n.rumors[e.K]
			unnecessary := !n.merge(e) && (r == nil || r.learnedAt < n.round)
			reply.Feedback = append(reply.Feedback, wireFeedback{e.K, e.C, e.O, unnecessary})
		}
		n.send(from, reply)
	case "feedback":
		for _, f := range m.Feedback {
			n.onFeedback(f)
		}
	case "pushsum":
		n.sum += m.S
		n.weight += m.W
	}
}

// answerDigest asks for the keys the sender holds newer (push) and sends the
// entries of the digest's range that it holds newer or that the sender lacks (pull).
func (n *node) answerDigest(from string, m *message) {
	var newer, want []string
	theirs := make(map[string]version, len(m.Digest))
	for _, v := range m.Digest {
		theirs[v.K] = version{v.C, v.O}
	}
	if n.pushes() {
		for _, v := range m.Digest {
			if cur, ok := n.store[v.K]; !ok || theirs[v.K].newerThan(cur.version) {
				want = append(want, v.K)
			}
		}
	}
	if n.pulls() {
		for _, k := range n.keys() {
			// Only keys in the digest's range: the sender's other keys are in its other parts.
			if !m.covers(k) {
				continue
			}
			if v, ok := theirs[k]; !ok || n.store[k].version.newerThan(v) {
				newer = append(newer, k)
			}
		}
	}
	switch {
	case len(newer) > 0 && len(want) > 0:
		n.send(from, &message{Kind: "entries-want", Entries: n.wire(newer), Want: want})
	case len(newer) > 0:
		n.send(from, &message{Kind: "entries", Entries: n.wire(newer)})
	case len(want) > 0:
		n.send(from, &message{Kind: "want", Want: want})
	}
}

func (n *node) onFeedback(f wireFeedback) {
	r := n.rumors[f.K]
	// Feedback about a version we have since replaced says nothing about the current rumor.
	if r == nil || !r.hot || n.store[f.K].version != (version{f.C, f.O}) {
		return
	}
	if !f.U {
		r.unnecessary = 0
	} else if r.unnecessary++; r.unnecessary >= n.params.RumorK {
		r.hot = false
	}
}

func (n *node) snapshot() *pb.Snapshot {
	snap := &pb.Snapshot{Node: n.id}
	for _, k := range n.keys() {
		e := n.store[k]
		entry := &pb.Entry{Key: k, Value: e.value, Version: &pb.Version{Counter: e.version.counter, Origin: e.version.origin}}
		if n.rumorMongering() {
			entry.Status = pb.SirStatus_SIR_STATUS_REMOVED
			if r := n.rumors[k]; r != nil && r.hot {
				entry.Status = pb.SirStatus_SIR_STATUS_INFECTIVE
			}
		}
		snap.Entries = append(snap.Entries, entry)
	}
	if n.is(pb.Variant_VARIANT_PUSH_SUM) {
		snap.Sum, snap.Weight, snap.Estimate = n.sum, n.weight, n.sum/n.weight
	}
	return snap
}
