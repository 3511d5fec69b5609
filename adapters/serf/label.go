package main

// What a memberlist packet or stream write of Serf's holds, in the
// contract's vocabulary. Serf's messages travel as memberlist user messages
// (a Serf type byte, then msgpack) and as memberlist's push-pull user state
// (Serf's push-pull message). Values travel only in the adapter's user events
// ("kv": rumor) and in the recent-event buffer a push-pull carries (entries);
// Serf's intents, queries and status times are membership traffic.

import (
	"bytes"
	"errors"

	"gossipcheck/harness"

	"github.com/hashicorp/go-msgpack/codec"
)

// Serf 0.9.4's message types (messages.go), the two read here.
const (
	serfPushPull  byte = 2
	serfUserEvent byte = 3
)

// Mirrors of Serf's wire structs (msgpack maps keyed by field name).
type wireUserEvent struct {
	LTime   uint64
	Name    string
	Payload []byte
	CC      bool
}

type wirePushPull struct {
	LTime        uint64
	StatusLTimes map[string]uint64
	LeftMembers  []string
	EventLTime   uint64
	Events       []*struct {
		LTime  uint64
		Events []struct {
			Name    string
			Payload []byte
		}
	}
	QueryLTime uint64
}

var msgpack = &codec.MsgpackHandle{}

func label(kv bool) harness.Labeler {
	return func(c *harness.Contents) (string, []string, error) {
		if !kv {
			return c.SWIMLabel()
		}
		keys := map[string]bool{}
		for _, m := range c.User {
			if err := eventKeys(m, keys); err != nil {
				return "", nil, err
			}
		}
		if len(keys) > 0 {
			return "rumor", harness.SortedKeys(keys), nil
		}
		if c.State != nil {
			if err := stateKeys(c.State, keys); err != nil {
				return "", nil, err
			}
			return "entries", harness.SortedKeys(keys), nil
		}
		// Serf's own intents and memberlist's probes carry no value: control (docs/contract.md).
		return c.ControlLabel()
	}
}

func eventKeys(m []byte, keys map[string]bool) error {
	if len(m) == 0 {
		return errors.New("empty serf message")
	}
	if m[0] != serfUserEvent {
		return nil
	}
	var ev wireUserEvent
	if err := codec.NewDecoder(bytes.NewReader(m[1:]), msgpack).Decode(&ev); err != nil {
		return err
	}
	return entryKey(ev.Name, ev.Payload, keys)
}

func stateKeys(state []byte, keys map[string]bool) error {
	if len(state) == 0 || state[0] != serfPushPull {
		return errors.New("not a serf push-pull state")
	}
	var pp wirePushPull
	if err := codec.NewDecoder(bytes.NewReader(state[1:]), msgpack).Decode(&pp); err != nil {
		return err
	}
	for _, es := range pp.Events {
		if es == nil {
			continue
		}
		for _, e := range es.Events {
			if err := entryKey(e.Name, e.Payload, keys); err != nil {
				return err
			}
		}
	}
	return nil
}

func entryKey(name string, payload []byte, keys map[string]bool) error {
	if name != eventName {
		return nil
	}
	e, err := harness.DecodeEntry(payload)
	if err != nil {
		return err
	}
	keys[e.Key] = true
	return nil
}
