package main

// Our own payload format, binary: the kind, then that kind's fields, each
// string and list prefixed by its length as a varint. (JSON, as the Python
// example uses, was most of this process's CPU: encoding/json reflects on
// every field of every digest.) The harness never reads payloads; it reads
// the envelope's kind and keys.
//
//	mail, entries, rumor:  entries
//	entries-want:          entries, want
//	digest:                lo, hi (each 0, or 1 and a key), versions
//	want:                  want
//	feedback:              feedback items
//	pushsum:               sum, weight (IEEE 754, 8 bytes each)

import (
	"encoding/binary"
	"fmt"
	"math"
)

type wireEntry struct {
	K, V string
	C    uint64
	O    string
}

type wireVersion struct {
	K string
	C uint64
	O string
}

// One rumor-mongering feedback item: did the contact about this version tell
// the recipient something new (U false) or not (U true)?
type wireFeedback struct {
	K string
	C uint64
	O string
	U bool
}

type message struct {
	Kind    string
	Entries []wireEntry
	// A digest covers the keys in (Lo, Hi], sorted; nil ends are unbounded.
	// Only a digest split in parts (see split) has bounds.
	Digest   []wireVersion
	Lo, Hi   *string
	Want     []string
	Feedback []wireFeedback
	// A push-sum share: sum and weight.
	S, W float64
}

// separator returns a short s with a <= s < b (for a < b), the bound between
// two halves of a digest: bounds as long as whole long keys would not fit.
func separator(a, b string) string {
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if i == len(a) {
		return a // a prefix of b
	}
	// b's shortest prefix greater than a, if shorter than b; else a itself.
	if i+1 < len(b) {
		return b[:i+1]
	}
	return a
}

// covers reports whether a key falls in the range of the digest m.
func (m *message) covers(key string) bool {
	return (m.Lo == nil || key > *m.Lo) && (m.Hi == nil || key <= *m.Hi)
}

// split cuts a message too large to send into parts that each mean the same
// alone: a combined entries-want into its entries and its want list, any
// other list into halves, a digest into halves of its key range (so that a
// receiver never takes a key of the other half for one the sender lacks).
// It returns nil for a single item, which cannot be split.
func (m *message) split() []*message {
	if m.Kind == "entries-want" {
		var parts []*message
		if len(m.Entries) > 0 {
			parts = append(parts, &message{Kind: "entries", Entries: m.Entries})
		}
		if len(m.Want) > 0 {
			parts = append(parts, &message{Kind: "want", Want: m.Want})
		}
		return parts
	}
	a, b := *m, *m
	switch {
	case len(m.Entries) > 1:
		h := len(m.Entries) / 2
		a.Entries, b.Entries = m.Entries[:h], m.Entries[h:]
	case len(m.Digest) > 1:
		h := len(m.Digest) / 2
		mid := separator(m.Digest[h-1].K, m.Digest[h].K)
		a.Digest, a.Hi = m.Digest[:h], &mid
		b.Digest, b.Lo = m.Digest[h:], &mid
	case len(m.Want) > 1:
		h := len(m.Want) / 2
		a.Want, b.Want = m.Want[:h], m.Want[h:]
	case len(m.Feedback) > 1:
		h := len(m.Feedback) / 2
		a.Feedback, b.Feedback = m.Feedback[:h], m.Feedback[h:]
	default:
		return nil
	}
	return []*message{&a, &b}
}

// Kinds whose messages carry entry values: their envelopes list those keys.
func (m *message) carriedKeys() []string {
	keys := make([]string, 0, len(m.Entries))
	for _, e := range m.Entries {
		keys = append(keys, e.K)
	}
	return keys
}

func encode(m *message) []byte {
	var e encoder
	e.str(m.Kind)
	switch m.Kind {
	case "mail", "entries", "rumor":
		e.entries(m.Entries)
	case "entries-want":
		e.entries(m.Entries)
		e.strs(m.Want)
	case "digest":
		e.bound(m.Lo)
		e.bound(m.Hi)
		e.uint(uint64(len(m.Digest)))
		for _, v := range m.Digest {
			e.str(v.K)
			e.uint(v.C)
			e.str(v.O)
		}
	case "want":
		e.strs(m.Want)
	case "feedback":
		e.uint(uint64(len(m.Feedback)))
		for _, f := range m.Feedback {
			e.str(f.K)
			e.uint(f.C)
			e.str(f.O)
			e.bool(f.U)
		}
	case "pushsum":
		e.float(m.S)
		e.float(m.W)
	}
	return e.b
}

// decode trusts nothing: the payload may be garbage from a fuzzing harness.
func decode(payload []byte, accepts map[string]bool) (*message, error) {
	d := decoder{b: payload}
	m := &message{Kind: d.str()}
	if d.err == nil && !accepts[m.Kind] {
		return nil, fmt.Errorf("kind %q does not belong to this node's variant", m.Kind)
	}
	switch m.Kind {
	case "mail", "entries", "rumor":
		m.Entries = d.entries()
	case "entries-want":
		m.Entries, m.Want = d.entries(), d.strs()
	case "digest":
		m.Lo, m.Hi = d.bound(), d.bound()
		for i, n := 0, d.count(); i < n; i++ {
			m.Digest = append(m.Digest, wireVersion{K: d.str(), C: d.uint(), O: d.str()})
		}
	case "want":
		m.Want = d.strs()
	case "feedback":
		for i, n := 0, d.count(); i < n; i++ {
			m.Feedback = append(m.Feedback, wireFeedback{K: d.str(), C: d.uint(), O: d.str(), U: d.bool()})
		}
	case "pushsum":
		m.S, m.W = d.float(), d.float()
	}
	switch {
	case d.err != nil:
		return nil, fmt.Errorf("not a message: %v", d.err)
	case len(d.b) > 0:
		return nil, fmt.Errorf("%d bytes of trailing data after the message", len(d.b))
	case m.Kind == "pushsum" && !(m.W >= 0 && !math.IsInf(m.W, 0) && !math.IsNaN(m.S) && !math.IsInf(m.S, 0)):
		return nil, fmt.Errorf("a push-sum share needs a finite sum and a finite weight >= 0")
	}
	for _, e := range m.Entries {
		if e.C == 0 || e.O == "" {
			return nil, fmt.Errorf("entry %q has no version", e.K)
		}
	}
	for _, v := range m.Digest {
		if v.C == 0 || v.O == "" {
			return nil, fmt.Errorf("digest item %q has no version", v.K)
		}
	}
	return m, nil
}

type encoder struct{ b []byte }

func (e *encoder) uint(v uint64)   { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) float(f float64) { e.b = binary.BigEndian.AppendUint64(e.b, math.Float64bits(f)) }

func (e *encoder) str(s string) {
	e.uint(uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) bool(b bool) {
	if b {
		e.uint(1)
	} else {
		e.uint(0)
	}
}

func (e *encoder) bound(s *string) {
	e.bool(s != nil)
	if s != nil {
		e.str(*s)
	}
}

func (e *encoder) strs(list []string) {
	e.uint(uint64(len(list)))
	for _, s := range list {
		e.str(s)
	}
}

func (e *encoder) entries(list []wireEntry) {
	e.uint(uint64(len(list)))
	for _, x := range list {
		e.str(x.K)
		e.str(x.V)
		e.uint(x.C)
		e.str(x.O)
	}
}

// decoder reads what encoder wrote. The first error sticks: every later read
// returns a zero value, so a caller checks err once at the end.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%s at %d bytes from the end", what, len(d.b))
	}
	d.b = nil
}

func (d *decoder) uint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a list's length: at most the bytes left, since every item takes one at least.
func (d *decoder) count() int {
	n := d.uint()
	if n > uint64(len(d.b)) {
		d.fail("list longer than the payload")
		return 0
	}
	return int(n)
}

func (d *decoder) str() string {
	n := d.count()
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) bool() bool {
	switch d.uint() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail("bad boolean")
	return false
}

func (d *decoder) bound() *string {
	if !d.bool() {
		return nil
	}
	s := d.str()
	return &s
}

func (d *decoder) float() float64 {
	if len(d.b) < 8 {
		d.fail("short float")
		return 0
	}
	f := math.Float64frombits(binary.BigEndian.Uint64(d.b))
	d.b = d.b[8:]
	return f
}

func (d *decoder) strs() []string {
	var list []string
	for i, n := 0, d.count(); i < n; i++ {
		list = append(list, d.str())
	}
	return list
}

func (d *decoder) entries() []wireEntry {
	var list []wireEntry
	for i, n := 0, d.count(); i < n; i++ {
		list = append(list, wireEntry{K: d.str(), V: d.str(), C: d.uint(), O: d.str()})
	}
	return list
}
