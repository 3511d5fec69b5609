package main

// The Session stream: the six calls as messages of one stream, each answered
// by the unary handler with the same id, plus RoundRequest: consecutive
// fault-free lockstep rounds played here, call by call as the harness would
// (gossip.proto, RoundRequest; docs/implementers-guide.md, "Playing rounds
// yourself").

import (
	"context"
	"io"
	"math"

	pb "gossipcheck/v1"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Session serves one stream. In lockstep the harness sends a call only after
// the previous answer, so the calls are handled one at a time, in order.
func (s *endpoint) Session(stream pb.GossipNode_SessionServer) error {
	ctx := stream.Context()
	// The last snapshot this stream returned per node, for only_changed.
	memory := map[string]*pb.Snapshot{}
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		res, err := s.answer(ctx, req, memory)
		if err != nil {
			res = &pb.SessionResponse{Result: &pb.SessionResponse_Error{Error: callError(err)}}
		}
		res.Id = req.Id
		if err := stream.Send(res); err != nil {
			return err
		}
	}
}

// answer runs one call of a Session with the unary handlers.
func (s *endpoint) answer(ctx context.Context, req *pb.SessionRequest, memory map[string]*pb.Snapshot) (*pb.SessionResponse, error) {
	var res pb.SessionResponse
	var err error
	switch call := req.Call.(type) {
	case *pb.SessionRequest_Init:
		// Init'ed nodes start over: their next snapshot is sent in full.
		for _, n := range call.Init.Nodes {
			delete(memory, n.Id)
		}
		r := &pb.SessionResponse_Init{}
		r.Init, err = s.Init(ctx, call.Init)
		res.Result = r
	case *pb.SessionRequest_Tick:
		r := &pb.SessionResponse_Tick{}
		r.Tick, err = s.Tick(ctx, call.Tick)
		res.Result = r
	case *pb.SessionRequest_Deliver:
		r := &pb.SessionResponse_Deliver{}
		r.Deliver, err = s.Deliver(ctx, call.Deliver)
		res.Result = r
	case *pb.SessionRequest_Update:
		r := &pb.SessionResponse_Update{}
		r.Update, err = s.Update(ctx, call.Update)
		res.Result = r
	case *pb.SessionRequest_Read:
		r := &pb.SessionResponse_Read{}
		if r.Read, err = s.Read(ctx, call.Read); err == nil {
			for _, snap := range r.Read.Snapshots {
				memory[snap.Node] = snap
			}
		}
		res.Result = r
	case *pb.SessionRequest_Stop:
		r := &pb.SessionResponse_Stop{}
		r.Stop, err = s.Stop(ctx, call.Stop)
		res.Result = r
	case *pb.SessionRequest_Round:
		res.Result = &pb.SessionResponse_Round{Round: s.playRounds(ctx, call.Round, memory)}
	default:
		err = status.Error(codes.Unimplemented, "SessionRequest holds no call this endpoint serves")
	}
	return &res, err
}

// callError is the status a unary call would have returned, as a CallError.
func callError(err error) *pb.CallError {
	st := status.Convert(err)
	return &pb.CallError{Code: uint32(st.Code()), Message: st.Message()}
}

// playRounds plays one round per entry of max_envelopes through the unary
// Tick, Deliver and Read, and stops where the harness would have stopped.
func (s *endpoint) playRounds(ctx context.Context, req *pb.RoundRequest, memory map[string]*pb.Snapshot) *pb.RoundResponse {
	res := &pb.RoundResponse{}
	live := make(map[string]bool, len(req.Nodes))
	for _, id := range req.Nodes {
		live[id] = true
	}
	carried := req.Due
	for _, limit := range req.MaxEnvelopes {
		round := &pb.PlayedRound{}
		res.Rounds = append(res.Rounds, round)
		ticked, err := s.Tick(ctx, &pb.TickRequest{Nodes: req.Nodes})
		if err != nil {
			round.TickError = callError(err)
			return res
		}
		round.Ticked = ticked.Envelopes
		// Sent: the Tick's envelopes and every hop's; over the cap the harness fails the run as a flood.
		sent := len(round.Ticked)
		if sent > int(limit) {
			return res
		}
		due := append(append([]*pb.Envelope{}, carried...), round.Ticked...)
		carried = nil
		hop := 1
		for ; hop <= int(req.HopLimit); hop++ {
			var batch []*pb.Envelope
			for _, env := range due {
				if live[env.To] {
					batch = append(batch, env)
				}
			}
			if len(batch) == 0 {
				break
			}
			h := &pb.RoundHop{Delivered: uint32(len(batch))}
			round.Hops = append(round.Hops, h)
			if out, err := s.Deliver(ctx, &pb.DeliverRequest{Envelopes: batch}); err != nil {
				h.Error, due = callError(err), nil
			} else {
				h.Envelopes, due = out.Envelopes, out.Envelopes
			}
			sent += len(due)
			if sent > int(limit) {
				return res
			}
		}
		if hop > int(req.HopLimit) {
			// Every hop ran: what is still due goes ahead of the next round's Tick.
			carried = due
		}
		read, err := s.Read(ctx, &pb.ReadRequest{Nodes: req.Nodes})
		if err != nil {
			round.ReadError = callError(err)
			return res
		}
		for _, snap := range read.Snapshots {
			if req.OnlyChanged && sameSnapshot(memory[snap.Node], snap) {
				continue
			}
			memory[snap.Node] = snap
			round.Snapshots = append(round.Snapshots, snap)
		}
	}
	return res
}

// sameSnapshot compares field by field; numbers by their bits, so 0 and -0
// differ (never looser than the harness's comparison).
func sameSnapshot(a, b *pb.Snapshot) bool {
	if a == nil || a.Node != b.Node || len(a.Entries) != len(b.Entries) ||
		len(a.Members) != len(b.Members) || len(a.MemberView) != len(b.MemberView) {
		return false
	}
	for _, x := range [][2]float64{{a.Estimate, b.Estimate}, {a.Sum, b.Sum}, {a.Weight, b.Weight}} {
		if math.Float64bits(x[0]) != math.Float64bits(x[1]) {
			return false
		}
	}
	for i, x := range a.Entries {
		y := b.Entries[i]
		if x.Key != y.Key || x.Value != y.Value || x.Status != y.Status ||
			x.GetVersion().GetCounter() != y.GetVersion().GetCounter() ||
			x.GetVersion().GetOrigin() != y.GetVersion().GetOrigin() {
			return false
		}
	}
	for i := range a.Members {
		if a.Members[i] != b.Members[i] {
			return false
		}
	}
	for i, x := range a.MemberView {
		y := b.MemberView[i]
		if x.Id != y.Id || x.Status != y.Status || x.Incarnation != y.Incarnation {
			return false
		}
	}
	return true
}
