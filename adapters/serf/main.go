// serf-node: hashicorp/serf (Debian's golang-github-hashicorp-serf-dev
// 0.9.4, on memberlist 0.2.2) behind gossipcheck's GossipNode service, in
// realtime mode. One process hosts every node of a run, one serf.Serf per
// node id; the library runs its own timers, and its network is the harness,
// through the memberlist transport it shares with adapters/memberlist
// (../memberlist/harness). See README.md.
//
//	adapters/serf/build.sh
//	gossipcheck chaos --backend process --impl "adapters/serf/bin/serf-node --listen {listen}"
package main

import (
	"gossipcheck/harness"
	pb "gossipcheck/v1"
)

var library = &harness.Library{
	Implementation: "hashicorp/serf",
	Version:        "0.9.4 (Debian golang-github-hashicorp-serf-dev), memberlist 0.2.2",
	Capabilities: &pb.Capabilities{
		Variants: []pb.Variant{
			pb.Variant_VARIANT_MEMBERSHIP_SWIM,
			pb.Variant_VARIANT_HYBRID,
		},
		LossOfInterest: []pb.LossOfInterest{pb.LossOfInterest_LOSS_OF_INTEREST_BLIND_COUNTER},
		Realtime:       true,
		// Serf's event broadcast queue is unexported: whether a rumor is still
		// being retransmitted cannot be read.
		RumorStatus: false,
		Membership:  true,
	},
	Check: checkParams,
	Start: startNode,
}

func checkParams(p *pb.Parameters) error {
	switch p.Variant {
	case pb.Variant_VARIANT_HYBRID:
		return harness.CheckBlindCounter(p)
	case pb.Variant_VARIANT_MEMBERSHIP_SWIM:
		return harness.CheckMembership(p.Membership)
	}
	return nil
}

func main() { harness.Main(library) }
