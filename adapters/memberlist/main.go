// memberlist-node: hashicorp/memberlist (Debian's golang-github-hashicorp-
// memberlist-dev 0.2.2) behind gossipcheck's GossipNode service, in realtime
// mode. One process hosts every node of a run, one memberlist.Memberlist per
// node id; the library runs its own timers, and its network is the harness
// (harness/transport.go, shared with adapters/serf). See README.md.
//
//	adapters/memberlist/build.sh
//	gossipcheck chaos --backend process --impl "adapters/memberlist/bin/memberlist-node --listen {listen}"
package main

import (
	"gossipcheck/harness"
	pb "gossipcheck/v1"
)

var library = &harness.Library{
	Implementation: "hashicorp/memberlist",
	Version:        "0.2.2 (Debian golang-github-hashicorp-memberlist-dev)",
	Capabilities: &pb.Capabilities{
		Variants: []pb.Variant{
			pb.Variant_VARIANT_MEMBERSHIP_SWIM,
			pb.Variant_VARIANT_ANTI_ENTROPY_PUSH_PULL,
			pb.Variant_VARIANT_RUMOR_PUSH,
			pb.Variant_VARIANT_HYBRID,
		},
		LossOfInterest: []pb.LossOfInterest{pb.LossOfInterest_LOSS_OF_INTEREST_BLIND_COUNTER},
		Realtime:       true,
		RumorStatus:    true,
		Membership:     true,
	},
	Check: checkParams,
	Start: startNode,
}

func checkParams(p *pb.Parameters) error {
	switch p.Variant {
	case pb.Variant_VARIANT_RUMOR_PUSH, pb.Variant_VARIANT_HYBRID:
		return harness.CheckBlindCounter(p)
	case pb.Variant_VARIANT_MEMBERSHIP_SWIM:
		return harness.CheckMembership(p.Membership)
	}
	return nil
}

func main() { harness.Main(library) }
