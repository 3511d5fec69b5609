package main

// What travels in an envelope's payload, and how the adapter tells what a
// memberlist message is. The payload is the adapter's own frame around the
// library's bytes, untouched:
//
//	packet:       'P' <memberlist packet>
//	stream chunk: 'S' <conn id u64> <dir u8: 0 dialer->acceptor, 1 back> <offset u64> <bytes>
//
// kind and keys are read from the library's bytes themselves (message type
// byte, compound parts, LZW compression, CRC header, push-pull header), so
// the metadata says what the library really sent.

import (
	"bytes"
	"compress/lzw"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/hashicorp/go-msgpack/codec"
)

const (
	framePacket = 'P'
	frameStream = 'S'
	// 'S' + conn id + direction + offset.
	streamHeader = 1 + 8 + 1 + 8
)

type frame struct {
	stream bool
	conn   uint64
	reply  bool // a chunk from the acceptor back to the dialer
	offset uint64
	data   []byte
}

func encodePacket(b []byte) []byte {
	out := make([]byte, 1+len(b))
	out[0] = framePacket
	copy(out[1:], b)
	return out
}

func encodeChunk(conn uint64, reply bool, offset uint64, data []byte) []byte {
	out := make([]byte, streamHeader+len(data))
	out[0] = frameStream
	binary.BigEndian.PutUint64(out[1:], conn)
	if reply {
		out[9] = 1
	}
	binary.BigEndian.PutUint64(out[10:], offset)
	copy(out[streamHeader:], data)
	return out
}

func decodeFrame(p []byte) (frame, error) {
	switch {
	case len(p) >= 2 && p[0] == framePacket:
		return frame{data: p[1:]}, nil
	case len(p) > streamHeader && p[0] == frameStream && p[9] <= 1:
		return frame{
			stream: true,
			conn:   binary.BigEndian.Uint64(p[1:]),
			reply:  p[9] == 1,
			offset: binary.BigEndian.Uint64(p[10:]),
			data:   p[streamHeader:],
		}, nil
	}
	return frame{}, errors.New("not a memberlist-node frame")
}

// memberlist 0.2.2's message types (net.go), in wire order.
const (
	pingMsg byte = iota
	indirectPingMsg
	ackRespMsg
	suspectMsg
	aliveMsg
	deadMsg
	pushPullMsg
	compoundMsg
	userMsg
	compressMsg
	encryptMsg
	nackRespMsg
	hasCrcMsg
	errMsg
)

// Mirrors of the library's wire structs (msgpack maps keyed by field name).
type wireDead struct {
	Incarnation uint32
	Node        string
	From        string
}

type wirePushPullHeader struct {
	Nodes        int
	UserStateLen int
	Join         bool
}

type wirePushNodeState struct {
	Name        string
	Addr        []byte
	Port        uint16
	Meta        []byte
	Incarnation uint32
	State       int
	Vsn         []uint8
}

type wireCompress struct {
	Algo uint8
	Buf  []byte
}

// contents is what one packet or one stream write holds.
type contents struct {
	types    []byte   // leaf message types, in order
	leave    bool     // a dead message with Node == From: a graceful leave
	user     [][]byte // user messages (the KV entries of rumors)
	pushPull bool
	state    []byte // the delegate's state in a push-pull (nil: none)
}

var msgpack = &codec.MsgpackHandle{}

func inspectPacket(buf []byte) (*contents, error) {
	// The library prepends a CRC to packets for peers speaking protocol >= 5.
	if len(buf) >= 5 && buf[0] == hasCrcMsg {
		buf = buf[5:]
	}
	c := &contents{}
	return c, c.command(buf, 0)
}

func (c *contents) command(buf []byte, depth int) error {
	if len(buf) == 0 {
		return errors.New("empty message")
	}
	if depth > 4 {
		return errors.New("nested too deep")
	}
	t, body := buf[0], buf[1:]
	switch t {
	case compoundMsg:
		parts, err := compoundParts(body)
		if err != nil {
			return err
		}
		for _, p := range parts {
			if err := c.command(p, depth+1); err != nil {
				return err
			}
		}
		return nil
	case compressMsg:
		inner, err := decompress(bytes.NewReader(body))
		if err != nil {
			return err
		}
		return c.command(inner, depth+1)
	case userMsg:
		c.user = append(c.user, body)
	case deadMsg:
		var d wireDead
		if err := codec.NewDecoderBytes(body, msgpack).Decode(&d); err != nil {
			return fmt.Errorf("dead message: %v", err)
		}
		c.leave = c.leave || d.Node == d.From
	case pingMsg, indirectPingMsg, ackRespMsg, suspectMsg, aliveMsg, nackRespMsg, errMsg:
	default:
		return fmt.Errorf("message type %d", t)
	}
	c.types = append(c.types, t)
	return nil
}

func compoundParts(buf []byte) ([][]byte, error) {
	if len(buf) < 1 {
		return nil, errors.New("compound without a length")
	}
	n := int(buf[0])
	buf = buf[1:]
	if len(buf) < 2*n {
		return nil, errors.New("truncated compound")
	}
	parts := make([][]byte, n)
	off := 2 * n
	for i := range parts {
		l := int(binary.BigEndian.Uint16(buf[2*i:]))
		if off+l > len(buf) {
			return nil, errors.New("truncated compound part")
		}
		parts[i] = buf[off : off+l]
		off += l
	}
	return parts, nil
}

func decompress(r io.Reader) ([]byte, error) {
	var c wireCompress
	if err := codec.NewDecoder(r, msgpack).Decode(&c); err != nil {
		return nil, fmt.Errorf("compress header: %v", err)
	}
	if c.Algo != 0 {
		return nil, fmt.Errorf("compression algorithm %d", c.Algo)
	}
	lr := lzw.NewReader(bytes.NewReader(c.Buf), lzw.LSB, 8)
	defer lr.Close()
	return io.ReadAll(lr)
}

// inspectStream reads one stream write: the library writes each stream
// message with a single conn.Write (rawSendMsgStream).
func inspectStream(buf []byte) (*contents, error) {
	if len(buf) == 0 {
		return nil, errors.New("empty stream write")
	}
	if buf[0] == compressMsg {
		inner, err := decompress(bytes.NewReader(buf[1:]))
		if err != nil {
			return nil, err
		}
		buf = inner
		if len(buf) == 0 {
			return nil, errors.New("empty compressed stream message")
		}
	}
	c := &contents{types: []byte{buf[0]}}
	r := bytes.NewReader(buf[1:])
	dec := codec.NewDecoder(r, msgpack)
	switch buf[0] {
	case pushPullMsg:
		c.pushPull = true
		var h wirePushPullHeader
		if err := dec.Decode(&h); err != nil {
			return nil, fmt.Errorf("push-pull header: %v", err)
		}
		for i := 0; i < h.Nodes; i++ {
			var s wirePushNodeState
			if err := dec.Decode(&s); err != nil {
				return nil, fmt.Errorf("push-pull node state: %v", err)
			}
		}
		if h.UserStateLen > 0 {
			c.state = make([]byte, h.UserStateLen)
			if _, err := io.ReadFull(r, c.state); err != nil {
				return nil, fmt.Errorf("push-pull user state: %v", err)
			}
		}
	case userMsg, pingMsg, ackRespMsg, errMsg:
	default:
		return nil, fmt.Errorf("stream message type %d", buf[0])
	}
	return c, nil
}

// label maps what a packet or stream write holds onto the contract's
// vocabulary. Values travel only in user messages (rumors) and in the
// delegate's push-pull state (entries). Under a key-value variant everything
// else is memberlist's own SWIM layer beneath the variant: the contract's
// value-free "control" kind. Under membership-swim it is the variant itself,
// named by the message that leads the packet (the library puts the primary
// message first and piggybacks broadcasts after it).
func (c *contents) label(kv bool) (string, []string, error) {
	if kv && len(c.user) > 0 {
		keys, err := userKeys(c.user)
		return "rumor", keys, err
	}
	if kv && c.state != nil {
		keys, err := stateKeys(c.state)
		return "entries", keys, err
	}
	if kv {
		if len(c.types) == 0 && !c.pushPull {
			return "", nil, errors.New("no message")
		}
		return "control", nil, nil
	}
	if c.pushPull {
		return "push-pull", nil, nil
	}
	if len(c.types) == 0 {
		return "", nil, errors.New("no message")
	}
	switch c.types[0] {
	case pingMsg:
		return "ping", nil, nil
	case indirectPingMsg:
		return "ping-req", nil, nil
	case ackRespMsg, nackRespMsg:
		return "ack", nil, nil
	case errMsg:
		// The answer to a push-pull (or stream ping) the peer could not read.
		return "push-pull", nil, nil
	}
	// A packet of broadcasts only: memberlist's gossip round (GossipInterval),
	// which the contract's SWIM, piggybacking on probes alone, has no word for.
	if c.leave {
		return "leave", nil, nil
	}
	return "gossip", nil, nil
}

func userKeys(msgs [][]byte) ([]string, error) {
	seen := map[string]bool{}
	for _, m := range msgs {
		e, err := decodeEntry(m)
		if err != nil {
			return nil, err
		}
		seen[e.key] = true
	}
	return sortedKeys(seen), nil
}

func stateKeys(state []byte) ([]string, error) {
	es, err := decodeState(state)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, e := range es {
		seen[e.key] = true
	}
	return sortedKeys(seen), nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ---- the adapter's KV encoding (user messages and delegate state) ----

type entry struct {
	key, value string
	counter    uint64
	origin     string
}

// newer: last writer wins, higher counter, then greater origin.
func (e entry) newer(than entry) bool {
	return e.counter > than.counter || (e.counter == than.counter && e.origin > than.origin)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func encodeEntry(b []byte, e entry) []byte {
	b = appendString(b, e.key)
	b = appendString(b, e.value)
	b = binary.AppendUvarint(b, e.counter)
	return appendString(b, e.origin)
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

func (r *reader) entry() entry {
	return entry{key: r.str(), value: r.str(), counter: r.uvarint(), origin: r.str()}
}

func decodeEntry(b []byte) (entry, error) {
	r := &reader{b: b}
	e := r.entry()
	if r.err == nil && len(r.b) != 0 {
		r.err = errors.New("trailing bytes")
	}
	return e, r.err
}

func encodeState(es []entry) []byte {
	b := binary.AppendUvarint(nil, uint64(len(es)))
	for _, e := range es {
		b = encodeEntry(b, e)
	}
	return b
}

func decodeState(b []byte) ([]entry, error) {
	r := &reader{b: b}
	n := r.uvarint()
	if n > uint64(len(b)) {
		return nil, errors.New("bad entry count")
	}
	out := make([]entry, 0, n)
	for i := uint64(0); i < n && r.err == nil; i++ {
		out = append(out, r.entry())
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = errors.New("trailing bytes")
	}
	return out, r.err
}
