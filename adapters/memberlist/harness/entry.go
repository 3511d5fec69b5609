package harness

// The adapters' KV encoding: one store entry, and a whole store, as bytes
// (memberlist user messages and delegate state, Serf user event payloads).

import (
	"encoding/binary"
	"errors"
)

// Entry is one key's value and version.
type Entry struct {
	Key, Value string
	Counter    uint64
	Origin     string
}

// Newer: last writer wins, higher counter, then greater origin.
func (e Entry) Newer(than Entry) bool {
	return e.Counter > than.Counter || (e.Counter == than.Counter && e.Origin > than.Origin)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// EncodeEntry appends e to b.
func EncodeEntry(b []byte, e Entry) []byte {
	b = appendString(b, e.Key)
	b = appendString(b, e.Value)
	b = binary.AppendUvarint(b, e.Counter)
	return appendString(b, e.Origin)
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errors.New("bad varint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) str() string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if n > uint64(len(r.b)) {
		r.err = errors.New("truncated string")
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *reader) entry() Entry {
	return Entry{Key: r.str(), Value: r.str(), Counter: r.uvarint(), Origin: r.str()}
}

func DecodeEntry(b []byte) (Entry, error) {
	r := &reader{b: b}
	e := r.entry()
	if r.err == nil && len(r.b) != 0 {
		r.err = errors.New("trailing bytes")
	}
	return e, r.err
}

// EncodeState is a whole store: a count, then the entries.
func EncodeState(es []Entry) []byte {
	b := binary.AppendUvarint(nil, uint64(len(es)))
	for _, e := range es {
		b = EncodeEntry(b, e)
	}
	return b
}

func DecodeState(b []byte) ([]Entry, error) {
	r := &reader{b: b}
	n := r.uvarint()
	if n > uint64(len(b)) {
		return nil, errors.New("bad entry count")
	}
	out := make([]Entry, 0, n)
	for i := uint64(0); i < n && r.err == nil; i++ {
		out = append(out, r.entry())
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = errors.New("trailing bytes")
	}
	return out, r.err
}
