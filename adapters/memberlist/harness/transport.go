package harness

// A memberlist.NodeAwareTransport whose network is the harness: every packet
// and every stream write becomes an envelope streamed to HarnessNetwork.Send,
// and what the harness delivers feeds PacketCh / the stream connections.
// Streams are TCP-like without a handshake: a dial succeeds at once, bytes
// arrive in order (chunks carry their offset: duplicates are dropped,
// reordered chunks wait for the gap), and a stream whose envelopes the
// harness drops simply stalls until the library's own deadline fails it.

import (
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	pb "gossipcheck/v1"

	"github.com/hashicorp/memberlist"
)

// memberPort is every node's fake port; node ids map to fake IPv4 addresses.
const memberPort = 7946

// addresses maps node ids to fake IPs and back, for every node of the process.
type addresses struct {
	mu   sync.Mutex
	ip   map[string]net.IP
	id   map[string]string
	next uint32
}

// Addrs holds every node of the process.
var Addrs = &addresses{ip: map[string]net.IP{}, id: map[string]string{}}

func (a *addresses) Of(id string) net.IP {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ip, ok := a.ip[id]; ok {
		return ip
	}
	a.next++
	ip := net.IPv4(10, byte(a.next>>16), byte(a.next>>8), byte(a.next)).To4()
	a.ip[id] = ip
	a.id[ip.String()] = id
	return ip
}

// resolve: the library names the node (Address.Name) where it knows it, and
// always gives "ip:port".
func (a *addresses) resolve(addr memberlist.Address) (string, error) {
	if addr.Name != "" {
		return addr.Name, nil
	}
	host, _, err := net.SplitHostPort(addr.Addr)
	if err != nil {
		return "", err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if id, ok := a.id[host]; ok {
		return id, nil
	}
	return "", fmt.Errorf("no node at %s", addr.Addr)
}

// Join is the address the library joins node id at ("name/ip:port").
func (a *addresses) Join(id string) string {
	return fmt.Sprintf("%s/%s", id, net.JoinHostPort(a.Of(id).String(), fmt.Sprint(memberPort)))
}

var connIDs uint64

type connKey struct {
	peer   string
	id     uint64
	dialed bool // this side dialed
}

// Transport is one node's memberlist.NodeAwareTransport.
type Transport struct {
	id      string
	label   Labeler
	chunk   int // largest stream chunk (max_payload_bytes less the frame header)
	send    func(*pb.Envelope)
	packets chan *memberlist.Packet
	streams chan net.Conn

	mu     sync.Mutex
	conns  map[connKey]*conn
	closed map[connKey]bool // accepted streams already closed: late duplicates must not reopen them
	down   bool
}

var _ memberlist.NodeAwareTransport = (*Transport)(nil)

// NewTransport: label names what the library sends; send streams an
// envelope to the harness.
func NewTransport(id string, label Labeler, maxPayload int, send func(*pb.Envelope)) *Transport {
	return &Transport{
		id: id, label: label, chunk: maxPayload - streamHeader, send: send,
		// Buffered like a socket's receive queue; a full queue drops (UDP-like).
		packets: make(chan *memberlist.Packet, 4096),
		streams: make(chan net.Conn, 256),
		conns:   map[connKey]*conn{},
		closed:  map[connKey]bool{},
	}
}

func (t *Transport) FinalAdvertiseAddr(string, int) (net.IP, int, error) {
	return Addrs.Of(t.id), memberPort, nil
}

func (t *Transport) WriteTo(b []byte, addr string) (time.Time, error) {
	return t.WriteToAddress(b, memberlist.Address{Addr: addr})
}

func (t *Transport) WriteToAddress(b []byte, addr memberlist.Address) (time.Time, error) {
	now := time.Now()
	to, err := Addrs.resolve(addr)
	if err != nil {
		return now, err
	}
	c, err := InspectPacket(b)
	if err != nil {
		return now, fmt.Errorf("unreadable outgoing packet: %v", err)
	}
	kind, keys, err := t.label(c)
	if err != nil {
		return now, err
	}
	payload := encodePacket(b)
	if len(payload) > t.chunk+streamHeader {
		return now, fmt.Errorf("packet of %d bytes exceeds max_payload_bytes", len(payload))
	}
	t.mu.Lock()
	down := t.down
	t.mu.Unlock()
	if down {
		return now, errShutdown
	}
	t.send(&pb.Envelope{From: t.id, To: to, Kind: kind, Keys: keys, Payload: payload})
	return now, nil
}

func (t *Transport) PacketCh() <-chan *memberlist.Packet { return t.packets }
func (t *Transport) StreamCh() <-chan net.Conn           { return t.streams }

func (t *Transport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	return t.DialAddressTimeout(memberlist.Address{Addr: addr}, timeout)
}

// DialAddressTimeout succeeds at once: there is no handshake to lose, so an
// unreachable peer shows as reads that time out at the library's deadline.
func (t *Transport) DialAddressTimeout(addr memberlist.Address, _ time.Duration) (net.Conn, error) {
	to, err := Addrs.resolve(addr)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.down {
		return nil, errShutdown
	}
	c := newConn(t, connKey{peer: to, id: atomic.AddUint64(&connIDs, 1), dialed: true})
	t.conns[c.key] = c
	return c, nil
}

func (t *Transport) IngestPacket(net.Conn, net.Addr, time.Time, bool) error {
	return fmt.Errorf("not supported")
}
func (t *Transport) IngestStream(net.Conn) error { return fmt.Errorf("not supported") }

func (t *Transport) Shutdown() error {
	t.mu.Lock()
	t.down = true
	conns := make([]*conn, 0, len(t.conns))
	for _, c := range t.conns {
		conns = append(conns, c)
	}
	t.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
	return nil
}

// Deliver hands over one envelope the harness delivered; never blocks.
func (t *Transport) Deliver(from string, f Frame) {
	t.mu.Lock()
	if t.down {
		t.mu.Unlock()
		return
	}
	if !f.Stream {
		t.mu.Unlock()
		p := &memberlist.Packet{Buf: f.Data, From: &net.UDPAddr{IP: Addrs.Of(from), Port: memberPort}, Timestamp: time.Now()}
		select {
		case t.packets <- p:
		default:
		}
		return
	}
	key := connKey{peer: from, id: f.Conn, dialed: f.Reply}
	c := t.conns[key]
	if c == nil && !f.Reply && f.Offset == 0 && !t.closed[key] {
		c = newConn(t, key)
		t.conns[key] = c
		select {
		case t.streams <- c:
		default:
			delete(t.conns, key)
			c = nil
		}
	}
	t.mu.Unlock()
	if c != nil {
		c.feed(f.Offset, f.Data)
	}
}

func (t *Transport) forget(c *conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.conns[c.key] == c {
		delete(t.conns, c.key)
	}
	if !c.key.dialed {
		t.closed[c.key] = true
	}
}

var errShutdown = fmt.Errorf("transport shut down")

// conn is one stream; it implements net.Conn with honest deadlines.
type conn struct {
	t   *Transport
	key connKey

	mu       sync.Mutex
	wake     chan struct{} // closed and replaced on every change a reader may wait for
	in       []byte        // in-order bytes not yet read
	next     uint64        // offset of the next in-order byte
	early    map[uint64][]byte
	written  uint64
	rdl, wdl time.Time
	closed   bool
}

func newConn(t *Transport, key connKey) *conn {
	return &conn{t: t, key: key, wake: make(chan struct{}), early: map[uint64][]byte{}}
}

func (c *conn) signal() {
	close(c.wake)
	c.wake = make(chan struct{})
}

func (c *conn) feed(offset uint64, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || offset < c.next {
		return // a duplicate, or too late
	}
	if offset > c.next {
		c.early[offset] = append([]byte(nil), data...)
		return
	}
	c.in = append(c.in, data...)
	c.next += uint64(len(data))
	for {
		d, ok := c.early[c.next]
		if !ok {
			break
		}
		delete(c.early, c.next)
		c.in = append(c.in, d...)
		c.next += uint64(len(d))
	}
	c.signal()
}

func (c *conn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}

func (c *conn) Read(p []byte) (int, error) {
	for {
		c.mu.Lock()
		if len(c.in) > 0 {
			n := copy(p, c.in)
			c.in = c.in[n:]
			c.mu.Unlock()
			return n, nil
		}
		if c.closed {
			c.mu.Unlock()
			return 0, c.opError("read", net.ErrClosed)
		}
		var timer *time.Timer
		var timeout <-chan time.Time
		if !c.rdl.IsZero() {
			left := time.Until(c.rdl)
			if left <= 0 {
				c.mu.Unlock()
				return 0, c.opError("read", os.ErrDeadlineExceeded)
			}
			timer = time.NewTimer(left)
			timeout = timer.C
		}
		wake := c.wake
		c.mu.Unlock()
		select {
		case <-wake:
		case <-timeout:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// Write sends p as one or more chunks; the library writes each stream
// message at once, so p is one message and is labelled as a whole. When it
// must be split, the values become readable only with the last chunk, so the
// last chunk lists the keys.
func (c *conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, c.opError("write", net.ErrClosed)
	}
	if !c.wdl.IsZero() && !time.Now().Before(c.wdl) {
		return 0, c.opError("write", os.ErrDeadlineExceeded)
	}
	info, err := InspectStream(p)
	if err != nil {
		return 0, c.opError("write", fmt.Errorf("unreadable stream message: %v", err))
	}
	kind, keys, err := c.t.label(info)
	if err != nil {
		return 0, c.opError("write", err)
	}
	for start := 0; start < len(p); start += c.t.chunk {
		end := start + c.t.chunk
		if end > len(p) {
			end = len(p)
		}
		var ks []string
		if end == len(p) {
			ks = keys
		}
		c.t.send(&pb.Envelope{
			From: c.t.id, To: c.key.peer, Kind: kind, Keys: ks,
			Payload: encodeChunk(c.key.id, !c.key.dialed, c.written+uint64(start), p[start:end]),
		})
	}
	c.written += uint64(len(p))
	return len(p), nil
}

func (c *conn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.signal()
	c.mu.Unlock()
	c.t.forget(c)
	return nil
}

func (c *conn) LocalAddr() net.Addr {
	return &net.TCPAddr{IP: Addrs.Of(c.t.id), Port: memberPort}
}

func (c *conn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: Addrs.Of(c.key.peer), Port: memberPort}
}

func (c *conn) SetDeadline(d time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rdl, c.wdl = d, d
	c.signal()
	return nil
}

func (c *conn) SetReadDeadline(d time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rdl = d
	c.signal()
	return nil
}

func (c *conn) SetWriteDeadline(d time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wdl = d
	return nil
}
