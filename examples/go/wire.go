package main

// Our own payload format: JSON, one struct for every kind. The harness never
// reads payloads; it reads the envelope's kind and keys.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

type wireEntry struct {
	K string `json:"k"`
	V string `json:"v"`
	C uint64 `json:"c"`
	O string `json:"o"`
}

type wireVersion struct {
	K string `json:"k"`
	C uint64 `json:"c"`
	O string `json:"o"`
}

// One rumor-mongering feedback item: did the contact about this version tell
// the recipient something new (U false) or not (U true)?
type wireFeedback struct {
	K string `json:"k"`
	C uint64 `json:"c"`
	O string `json:"o"`
	U bool   `json:"u"`
}

type message struct {
	Kind    string      `json:"t"`
	Entries []wireEntry `json:"entries,omitempty"`
	// A digest covers the keys in (Lo, Hi], sorted; nil ends are unbounded.
	// Only a digest split in parts (see split) has bounds.
	Digest   []wireVersion  `json:"digest,omitempty"`
	Lo       *string        `json:"lo,omitempty"`
	Hi       *string        `json:"hi,omitempty"`
	Want     []string       `json:"want,omitempty"`
	Feedback []wireFeedback `json:"feedback,omitempty"`
	// A push-sum share: sum and weight.
	S *float64 `json:"s,omitempty"`
	W *float64 `json:"w,omitempty"`
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
	// b's shortest prefix greater than a, cut after a whole character (valid
	// UTF-8, or JSON would mangle it), if shorter than b; else a itself.
	for i > 0 && !utf8.RuneStart(b[i]) {
		i--
	}
	_, size := utf8.DecodeRuneInString(b[i:])
	if i+size < len(b) {
		return b[:i+size]
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
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	// Keys and values as they are: no \u003c for '<', so sizes stay predictable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		panic(err) // only strings and numbers: cannot fail
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// decode trusts nothing: the payload may be garbage from a fuzzing harness.
func decode(payload []byte, accepts map[string]bool) (*message, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	var m message
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("not a message: %v", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the message")
	}
	if !accepts[m.Kind] {
		return nil, fmt.Errorf("kind %q does not belong to this node's variant", m.Kind)
	}
	if m.Kind == "pushsum" && (m.S == nil || m.W == nil || *m.W < 0) {
		return nil, fmt.Errorf("a push-sum share needs a sum and a weight >= 0")
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
	return &m, nil
}
