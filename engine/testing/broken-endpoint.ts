// Deliberately broken and hostile IUTs for the harness's own tests: the
// reference node (or a broken fixture of reference/broken/) behind gRPC,
// except that it misbehaves as asked.
//   hang-tick        Tick never answers
//   exit-mid-run     the process exits (code 3) on the 5th Tick
//   strip-metadata   every envelope loses its kind and keys
//   self-address     the first envelope of each Tick goes to its own sender
//   unknown-address  the first envelope of each Tick goes to "ghost"
//   flood-tick       every Tick returns 1,000,000 envelopes
//   slow             every Tick takes 300 ms
//   pull-pushes      asked for anti-entropy-pull, runs anti-entropy-push
//   forgets-generation  ignores NodeInit.generation: a restarted node reissues versions
//   unsorted-read    Read lists each node's entries in reverse key order
//   drops-every-third-write  acknowledges every write, applies only two of three
//   declares-nothing Init declares no variant at all
//   no-clock         Init declares neither lockstep nor realtime
// Usage: node broken-endpoint.js MODE [--fixture NAME] [--marker ANY]
// (listens on $GOSSIPCHECK_LISTEN)
import type {
  ClockMode,
  Envelope,
  GossipEndpoint,
  InitResult,
  NodeId,
  NodeInit,
  Parameters,
  Snapshot,
  StopMode,
  UpdateResult,
  Write,
} from '../../proto/contract.js';
import { serveGossipNode } from '../../proto/server.js';
import { makeBrokenHost } from '../../reference/broken/index.js';
import { ReferenceHost } from '../../reference/host.js';

const MODES = [
  'hang-tick',
  'exit-mid-run',
  'strip-metadata',
  'self-address',
  'unknown-address',
  'flood-tick',
  'slow',
  'declares-nothing',
  'no-clock',
  'pull-pushes',
  'forgets-generation',
  'unsorted-read',
  'drops-every-third-write',
] as const;
type Mode = (typeof MODES)[number];

class Hostile implements GossipEndpoint {
  private ticks = 0;
  private writes = 0;
  constructor(
    private readonly inner: GossipEndpoint,
    private readonly mode: Mode,
  ) {}

  private strip = (envs: Envelope[]): Envelope[] =>
    this.mode === 'strip-metadata' ? envs.map((e) => ({ ...e, kind: '', keys: [] })) : envs;

  async init(nodes: NodeInit[], params: Parameters, clock: ClockMode): Promise<InitResult> {
    const asked =
      this.mode === 'pull-pushes' && params.variant === 'anti-entropy-pull'
        ? { ...params, variant: 'anti-entropy-push' as const }
        : params;
    const inits = this.mode === 'forgets-generation' ? nodes.map((n) => ({ ...n, generation: 0 })) : nodes;
    const res = await this.inner.init(inits, asked, clock);
    const caps = { ...res.capabilities };
    if (this.mode === 'declares-nothing') caps.variants = [];
    if (this.mode === 'no-clock') Object.assign(caps, { lockstep: false, realtime: false });
    // A node that sends no kind or keys was written before contract 1.1: it declares no version.
    const contractVersion = this.mode === 'strip-metadata' ? '' : res.contractVersion;
    return { ...res, implementation: `broken-${this.mode}`, capabilities: caps, contractVersion };
  }

  async tick(nodes: NodeId[]): Promise<Envelope[]> {
    this.ticks++;
    if (this.mode === 'hang-tick') return new Promise<Envelope[]>(() => {});
    if (this.mode === 'exit-mid-run' && this.ticks === 5) process.exit(3);
    if (this.mode === 'slow') await new Promise((r) => setTimeout(r, 300));
    const envs = this.strip(await this.inner.tick(nodes));
    if (this.mode === 'flood-tick' && nodes.length > 0) {
      const one: Envelope = {
        from: nodes[0],
        to: nodes[1] ?? nodes[0],
        payload: new Uint8Array(1),
        kind: 'digest',
        keys: [],
      };
      return Array.from({ length: 1_000_000 }, () => one);
    }
    if (envs.length > 0 && (this.mode === 'self-address' || this.mode === 'unknown-address'))
      envs[0] = { ...envs[0], to: this.mode === 'self-address' ? envs[0].from : 'ghost' };
    return envs;
  }

  async deliver(envelopes: Envelope[]): Promise<Envelope[]> {
    return this.strip(await this.inner.deliver(envelopes));
  }

  async update(writes: Write[]): Promise<UpdateResult> {
    if (this.mode === 'drops-every-third-write') return this.dropThird(writes);
    const res = await this.inner.update(writes);
    return { ...res, envelopes: this.strip(res.envelopes) };
  }

  /** Every third write is acknowledged with the version it would have got, and never applied. */
  private async dropThird(writes: Write[]): Promise<UpdateResult> {
    const acks: UpdateResult['acks'] = [];
    const envelopes: Envelope[] = [];
    for (const w of writes) {
      if (++this.writes % 3 === 0) {
        const [held] = await this.inner.read([w.node]);
        const counter = (held.entries.find((e) => e.key === w.key)?.version.counter ?? 0) + 1;
        acks.push({ node: w.node, key: w.key, version: { counter, origin: w.node } });
        continue;
      }
      const res = await this.inner.update([w]);
      acks.push(...res.acks);
      envelopes.push(...res.envelopes);
    }
    return { acks, envelopes };
  }

  async read(nodes: NodeId[]): Promise<Snapshot[]> {
    const snaps = await this.inner.read(nodes);
    if (this.mode !== 'unsorted-read') return snaps;
    return snaps.map((s) => ({ ...s, entries: [...s.entries].reverse() }));
  }

  stop(nodes: NodeId[], mode: StopMode): ReturnType<GossipEndpoint['stop']> {
    return this.inner.stop(nodes, mode);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

const mode = process.argv[2] as Mode;
if (!MODES.includes(mode)) {
  process.stderr.write(`unknown mode '${process.argv[2] ?? ''}' (modes: ${MODES.join(', ')})\n`);
  process.exit(2);
}
const fixture = process.argv.indexOf('--fixture');
const inner = fixture > 0 ? makeBrokenHost(process.argv[fixture + 1] ?? '') : new ReferenceHost();
const listen = process.env.GOSSIPCHECK_LISTEN ?? '127.0.0.1:0';
await serveGossipNode(new Hostile(inner, mode), listen);
// A hung Tick keeps nothing alive by itself; the server does until killed.
