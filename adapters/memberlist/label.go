package main

import "gossipcheck/harness"

// label maps what a packet or stream write holds onto the contract's
// vocabulary. Values travel only in user messages (rumors) and in the
// delegate's push-pull state (entries); everything else is memberlist's own
// SWIM traffic: under a KV variant the value-free control kind, under
// membership-swim the variant's own kinds. kv: a KV variant.
func label(kv bool) harness.Labeler {
	return func(c *harness.Contents) (string, []string, error) {
		if kv && len(c.User) > 0 {
			keys, err := userKeys(c.User)
			return "rumor", keys, err
		}
		if kv && c.State != nil {
			keys, err := stateKeys(c.State)
			return "entries", keys, err
		}
		if kv {
			return c.ControlLabel()
		}
		return c.SWIMLabel()
	}
}

func userKeys(msgs [][]byte) ([]string, error) {
	seen := map[string]bool{}
	for _, m := range msgs {
		e, err := harness.DecodeEntry(m)
		if err != nil {
			return nil, err
		}
		seen[e.Key] = true
	}
	return harness.SortedKeys(seen), nil
}

func stateKeys(state []byte) ([]string, error) {
	es, err := harness.DecodeState(state)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, e := range es {
		seen[e.Key] = true
	}
	return harness.SortedKeys(seen), nil
}
