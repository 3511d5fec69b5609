package harness

// What travels in an envelope's payload, and how the adapter tells what a
// memberlist message is. The payload is the adapter's own frame around the
// library's bytes, untouched:
//
//	packet:       'P' <memberlist packet>
//	stream chunk: 'S' <conn id u64> <dir u8: 0 dialer->acceptor, 1 back> <offset u64> <bytes>
//
// kind and keys are read from the library's bytes themselves (message type
// byte, compound parts, LZW compression, CRC header, push-pull header), so
// the metadata says what the library really sent. What the user messages and
// the delegate's state mean is the program's (a Labeler).

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

type Frame struct {
	Stream bool
	Conn   uint64
	Reply  bool // a chunk from the acceptor back to the dialer
	Offset uint64
	Data   []byte
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

func DecodeFrame(p []byte) (Frame, error) {
	switch {
	case len(p) >= 2 && p[0] == framePacket:
		return Frame{Data: p[1:]}, nil
	case len(p) > streamHeader && p[0] == frameStream && p[9] <= 1:
		return Frame{
			Stream: true,
			Conn:   binary.BigEndian.Uint64(p[1:]),
			Reply:  p[9] == 1,
			Offset: binary.BigEndian.Uint64(p[10:]),
			Data:   p[streamHeader:],
		}, nil
	}
	return Frame{}, errors.New("not a memberlist-node frame")
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

// Contents is what one packet or one stream write holds.
type Contents struct {
	Types    []byte   // leaf message types, in order
	Leave    bool     // a dead message with Node == From: a graceful leave
	User     [][]byte // user messages (the delegate's own bytes)
	PushPull bool
	State    []byte // the delegate's state in a push-pull (nil: none)
}

// A Labeler names what a packet or stream write holds in the contract's
// vocabulary: its kind and the keys whose values it carries.
type Labeler func(c *Contents) (kind string, keys []string, err error)

var msgpack = &codec.MsgpackHandle{}

func InspectPacket(buf []byte) (*Contents, error) {
	// The library prepends a CRC to packets for peers speaking protocol >= 5.
	if len(buf) >= 5 && buf[0] == hasCrcMsg {
		buf = buf[5:]
	}
	c := &Contents{}
	return c, c.command(buf, 0)
}

func (c *Contents) command(buf []byte, depth int) error {
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
		c.User = append(c.User, body)
	case deadMsg:
		var d wireDead
		if err := codec.NewDecoderBytes(body, msgpack).Decode(&d); err != nil {
			return fmt.Errorf("dead message: %v", err)
		}
		c.Leave = c.Leave || d.Node == d.From
	case pingMsg, indirectPingMsg, ackRespMsg, suspectMsg, aliveMsg, nackRespMsg, errMsg:
	default:
		return fmt.Errorf("message type %d", t)
	}
	c.Types = append(c.Types, t)
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
func InspectStream(buf []byte) (*Contents, error) {
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
	c := &Contents{Types: []byte{buf[0]}}
	r := bytes.NewReader(buf[1:])
	dec := codec.NewDecoder(r, msgpack)
	switch buf[0] {
	case pushPullMsg:
		c.PushPull = true
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
			c.State = make([]byte, h.UserStateLen)
			if _, err := io.ReadFull(r, c.State); err != nil {
				return nil, fmt.Errorf("push-pull user state: %v", err)
			}
		}
	case userMsg, pingMsg, ackRespMsg, errMsg:
	default:
		return nil, fmt.Errorf("stream message type %d", buf[0])
	}
	return c, nil
}

// ControlLabel names, under a key-value variant, what carries no value: the
// library's own SWIM layer beneath the variant, the contract's value-free
// "control" kind (docs/contract.md).
func (c *Contents) ControlLabel() (string, []string, error) {
	if len(c.Types) == 0 && !c.PushPull {
		return "", nil, errors.New("no message")
	}
	return "control", nil, nil
}

// SWIMLabel names memberlist's own SWIM traffic, by the message that leads
// the packet (the library puts the primary message first and piggybacks
// broadcasts after it). A Labeler calls it for what carries no values.
func (c *Contents) SWIMLabel() (string, []string, error) {
	if c.PushPull {
		return "push-pull", nil, nil
	}
	if len(c.Types) == 0 {
		return "", nil, errors.New("no message")
	}
	switch c.Types[0] {
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
	if c.Leave {
		return "leave", nil, nil
	}
	return "gossip", nil, nil
}

// SortedKeys lists a set's keys in order.
func SortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
