package main

// Our own payload format: JSON, one struct for every kind. The harness never
// reads payloads; it reads the envelope's kind and keys.

import (
	"bytes"
	"encoding/json"
	"fmt"
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
	Kind     string         `json:"t"`
	Entries  []wireEntry    `json:"entries,omitempty"`
	Digest   []wireVersion  `json:"digest,omitempty"`
	Want     []string       `json:"want,omitempty"`
	Feedback []wireFeedback `json:"feedback,omitempty"`
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
	b, err := json.Marshal(m)
	if err != nil {
		panic(err) // only strings and numbers: cannot fail
	}
	return b
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
