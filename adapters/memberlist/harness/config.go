package harness

import (
	"time"

	pb "gossipcheck/v1"

	"github.com/hashicorp/memberlist"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// tcpTimeoutPeriods: the library's TCPTimeout, in gossip periods. The LAN
// default (10 s) would let one lost stream envelope stall a node's
// push-pulls (they run one at a time) for 50 periods of 200 ms.
const tcpTimeoutPeriods = 5

// Config is memberlist's configuration for a node of a run: the mapping of
// the declared Parameters in adapters/memberlist/README.md (Serf runs on the
// same memberlist, configured the same way).
func Config(id string, p *pb.Parameters) *memberlist.Config {
	period := time.Duration(p.PeriodMs) * time.Millisecond
	c := memberlist.DefaultLANConfig()
	c.Name = id
	c.BindAddr = "0.0.0.0"
	c.TCPTimeout = tcpTimeoutPeriods * period
	c.GossipInterval = period
	if p.Fanout > 0 {
		c.GossipNodes = int(p.Fanout)
	}
	switch p.Variant {
	case pb.Variant_VARIANT_MEMBERSHIP_SWIM:
		m := p.Membership
		c.ProbeInterval = time.Duration(m.ProbePeriod) * period
		// Ping in the period's first tick, ping-req from the second.
		c.ProbeTimeout = period
		c.IndirectChecks = int(m.IndirectProbes)
		c.SuspicionMult = int(m.SuspicionPeriods)
		// Lifeguard off: its stretching of suspicion timeouts (up to 6x) and
		// probe intervals (up to 8x) would run other parameters than declared.
		c.SuspicionMaxTimeoutMult = 1
		c.AwarenessMaxMultiplier = 1
		c.RetransmitMult = int(m.RetransmitMult)
		c.PushPullInterval = time.Duration(m.PushPullPeriods) * c.ProbeInterval
		// The LAN default's ratio: 30 s of gossip to the dead per 1 s probe interval.
		c.GossipToTheDeadTime = 30 * c.ProbeInterval
	case pb.Variant_VARIANT_ANTI_ENTROPY_PUSH_PULL:
		// One push-pull per period, with one random member held alive.
		c.PushPullInterval = period
	case pb.Variant_VARIANT_HYBRID:
		c.PushPullInterval = time.Duration(p.AntiEntropyEvery) * period
	case pb.Variant_VARIANT_RUMOR_PUSH:
		// The library's own push-pull stays (membership only: LocalState is nil).
	}
	return c
}

// CheckMembership refuses membership parameters the mapping cannot run.
func CheckMembership(m *pb.MembershipParameters) error {
	if m == nil || m.ProbePeriod < 2 || m.IndirectProbes < 1 || m.SuspicionPeriods < 1 ||
		m.RetransmitMult < 1 || m.PushPullPeriods < 1 {
		return status.Error(codes.InvalidArgument, "membership parameters out of range")
	}
	return nil
}

// CheckBlindCounter refuses a rumor variant's parameters other than the
// libraries' rule: a retransmit limit.
func CheckBlindCounter(p *pb.Parameters) error {
	if p.LossOfInterest != pb.LossOfInterest_LOSS_OF_INTEREST_BLIND_COUNTER || p.RumorK < 1 {
		return status.Error(codes.FailedPrecondition,
			"only blind counter loss of interest (the library's retransmit limit), with rumor_k >= 1")
	}
	if p.Variant == pb.Variant_VARIANT_HYBRID && p.AntiEntropyEvery < 1 {
		return status.Error(codes.InvalidArgument, "anti_entropy_every must be at least 1")
	}
	return nil
}
