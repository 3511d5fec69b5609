// The round bounds the checkers hold histories to, each with its source.
// All bounds are in lockstep rounds (one gossip period each).
import { ANTI_ENTROPY_VARIANTS, type NodeId, type Parameters, type Variant } from '../proto/contract.js';

/**
 * Spread constants. Pittel 1987 ("On spreading a rumor", SIAM J. Appl. Math.
 * 47(1)): push from one node reaches all n nodes in log2 n + ln n + O(1)
 * rounds with high probability, i.e. about 1.69·log2 n + O(1). Karp, Schindelhauer,
 * Shenker, Vöcking 2000 ("Randomized rumor spreading", FOCS): push-pull needs
 * log3 n + O(ln ln n) rounds, pull is no slower than push after the first half.
 * C = 3 covers the 1.69 of push with a margin for the whp tail at small n and
 * for variants where a round carries only one digest exchange per peer;
 * D = 3 absorbs the O(1) / O(ln ln n) terms and the update's own round.
 */
export const SPREAD_C = 3;
export const SPREAD_D = 3;

/** Rounds for one update to reach every node: ceil(C·log2 n) + D. */
export function spreadRounds(n: number): number {
  return Math.ceil(SPREAD_C * Math.log2(Math.max(1, n))) + SPREAD_D;
}

export interface Bound {
  rounds: number;
  /** The formula with its numbers filled in. */
  formula: string;
  /** Paper or declared parameter the bound comes from. */
  source: string;
}

const SPREAD_SOURCE =
  'Pittel 1987 (push: log2 n + ln n + O(1) rounds whp); Karp et al. 2000 (push-pull: log3 n + O(ln ln n))';

/**
 * Rounds from the last disturbance until all live nodes hold identical state.
 * - anti-entropy (push, pull, push-pull): B = ceil(C·log2 n) + D.
 * - hybrid: rumor mongering may leave residue (Demers et al. 1987 §1.4) that
 *   only the anti-entropy exchange, run every `antiEntropyEvery` periods,
 *   repairs; worst case B = ceil(C·log2 n)·antiEntropyEvery + D.
 * - direct mail: every peer is mailed at update time (Demers et al. 1987 §1.1),
 *   so one round.
 * Undefined for pure rumor mongering (residue is allowed) and push-sum.
 */
export function convergenceBound(
  variant: Variant,
  params: Parameters,
  n: number,
  peers?: PeerGraph,
): Bound | undefined {
  if (peers && !isFullMeshGraph(peers)) {
    const g = graphConvergenceBound(variant, params, peers);
    if (g) return g;
  }
  const log = Math.ceil(SPREAD_C * Math.log2(Math.max(1, n)));
  if (ANTI_ENTROPY_VARIANTS.includes(variant)) {
    return {
      rounds: log + SPREAD_D,
      formula: `ceil(${SPREAD_C}·log2 ${n}) + ${SPREAD_D} = ${log + SPREAD_D}`,
      source: SPREAD_SOURCE,
    };
  }
  if (variant === 'hybrid') {
    const every = Math.max(1, params.antiEntropyEvery);
    return {
      rounds: log * every + SPREAD_D,
      formula: `ceil(${SPREAD_C}·log2 ${n})·antiEntropyEvery(${every}) + ${SPREAD_D} = ${log * every + SPREAD_D}`,
      source: `${SPREAD_SOURCE}; anti-entropy every ${every} periods repairs rumor residue (Demers et al. 1987 §1.4, §1.5)`,
    };
  }
  if (variant === 'direct-mail') {
    return {
      rounds: 1,
      formula: '1 round',
      source: 'Demers et al. 1987 §1.1: direct mail sends each update to every site at once',
    };
  }
  return undefined;
}

/**
 * Rounds after the last update until no envelope carries a rumor:
 * spread time S = ceil(C·log2 n) + D plus the loss-of-interest time L
 * (rules of Demers et al. 1987 §1.4), with k = rumorK and f = fanout:
 * - blind-counter: a node loses interest after k sends, f per round:
 *   L = ceil(k/f) + 1.
 * - feedback-counter: only unnecessary contacts (the peer already knew) count,
 *   so a node stays infective while it still finds susceptible peers, which
 *   lasts at most the spread time: L = S + ceil(k/f) + 1.
 * - blind-coin: after each send the node loses interest with probability
 *   1/k, so it survives t sends with probability (1-1/k)^t <= e^(-t/k);
 *   n·(1-1/k)^t <= 1e-3 holds for t >= k·ln(1000·n): L = ceil(k·ln(1000·n)/f).
 * - feedback-coin: the coin is tossed only on unnecessary contacts:
 *   L = S + ceil(k·ln(1000·n)/f).
 * Pull variants: an infective node is contacted by a Poisson(f) number of
 * pullers per round rather than exactly f, so the k-dependent term is doubled.
 */
export function quiescenceBound(
  variant: Variant,
  params: Parameters,
  n: number,
  peers?: PeerGraph,
  versions = 1,
): Bound {
  if (peers && !isFullMeshGraph(peers)) return graphQuiescenceBound(variant, params, peers, versions);
  const s = spreadRounds(n);
  const k = Math.max(1, params.rumorK);
  const f = Math.max(1, params.fanout);
  const slack = variant === 'rumor-pull' ? 2 : 1;
  const ks = k * slack;
  const counter = Math.ceil(ks / f) + 1;
  const coin = Math.ceil((ks * Math.log(1000 * n)) / f);
  const sFormula = `S = ceil(${SPREAD_C}·log2 ${n}) + ${SPREAD_D} = ${s}`;
  const kText = slack === 1 ? `${k}` : `2·${k}`;
  let l: number;
  let lFormula: string;
  switch (params.lossOfInterest) {
    case 'blind-counter':
      l = counter;
      lFormula = `L = ceil(${kText}/${f}) + 1 = ${l}`;
      break;
    case 'feedback-counter':
      l = s + counter;
      lFormula = `L = S + ceil(${kText}/${f}) + 1 = ${l}`;
      break;
    case 'blind-coin':
      l = coin;
      lFormula = `L = ceil(${kText}·ln(1000·${n})/${f}) = ${l}`;
      break;
    case 'feedback-coin':
      l = s + coin;
      lFormula = `L = S + ceil(${kText}·ln(1000·${n})/${f}) = ${l}`;
      break;
  }
  return {
    rounds: s + l,
    formula: `S + L = ${s + l} (${sFormula}; ${lFormula}, ${params.lossOfInterest})`,
    source: `${SPREAD_SOURCE}; loss of interest: Demers et al. 1987 §1.4 (counter/coin, feedback/blind)`,
  };
}

/**
 * Push-sum: Kempe, Dobra, Gehrke 2003 ("Gossip-based computation of aggregate
 * information", FOCS), Thm 3.1: relative error <= eps after
 * O(log n + log 1/eps + log 1/delta) rounds with probability 1 - delta. The
 * proof's potential halves per round in expectation (Lemma 2.3: E[Φ_{t+1}] =
 * (1/2 - 1/(4n))·Φ_t), and the error is the square root of the potential, so
 * about log2 n + 2·log2(1/eps) rounds are needed in expectation. C = 4 doubles
 * that for the high-probability tail and for fanout 1; D = 5 absorbs the
 * transient while weights spread. `halvings` = log2(spread / tolerance), where
 * spread = max(1, max_i |x_i - avg|), the initial error to remove.
 */
export const PUSHSUM_C = 4;
export const PUSHSUM_D = 5;

export function pushSumBound(n: number, halvings: number): Bound {
  const h = Math.max(0, halvings);
  const rounds = Math.ceil(PUSHSUM_C * (Math.log2(Math.max(1, n)) + h)) + PUSHSUM_D;
  return {
    rounds,
    formula: `ceil(${PUSHSUM_C}·(log2 ${n} + log2(1/eps')=${h.toFixed(2)})) + ${PUSHSUM_D} = ${rounds}`,
    source: 'Kempe, Dobra, Gehrke 2003, Thm 3.1: O(log n + log 1/eps + log 1/delta) rounds',
  };
}

// ---------------------------------------------------------------------------
// Bounds on a peer graph that is not the full mesh (the run event lists the
// peers). The complete-graph constants above do not apply: on a ring, a grid
// or a star, spreading takes at least the diameter D, and a node of degree d
// reaches a given neighbour only with probability f/d per round.
//
// Asymptotically, push-pull spreads in O(log n / Φ) rounds on a graph of
// conductance Φ (Giakkoupis 2011, "Tight bounds for rumor spreading in graphs
// of a given conductance", STACS; Chierichetti, Lattanzi, Panconesi 2010,
// "Rumour spreading and graph conductance", SODA), and push in
// O(Δ·(D + log n)) on any graph (Feige, Peleg, Raghavan, Upfal 1990,
// "Randomized broadcast in networks", Random Struct. Alg. 1(4)). Those carry
// no explicit constants, so the bound below is the path argument of Feige et
// al. made explicit, with an exact tail:
//
// Fix a source s holding the update and a target v, and a path
// s = u0, u1, ..., uL = v. Each round, an informed u_i passes the update to
// u_{i+1} with probability at least q(u_i -> u_{i+1}), independently of
// earlier rounds (each node draws its f peers afresh, uniformly among its
// deg peers, so a given peer is drawn with probability min(1, f/deg)):
//   push       q(u -> w) = min(1, f/deg u)   (u's exchange pushes to w)
//   pull       q(u -> w) = min(1, f/deg w)   (w's exchange pulls from u)
//   push-pull  q(u -> w) = 1 - (1 - min(1, f/deg u))·(1 - min(1, f/deg w))
// So the rounds to reach v are dominated by X = sum of independent
// geometric(q_i) variables, of mean μ = sum 1/q_i (>= L >= the distance). Janson
// 2018 ("Tail bounds for sums of geometric and exponential variables",
// Statist. Probab. Lett. 135, Thm 2.1): P(X >= λμ) <= λ^-1·(1 - q*)^(μ(λ-1-ln λ)),
// q* = min q_i. The path taken is the one of least μ (Dijkstra on weights
// 1/q); λ is the least with that tail <= GRAPH_DELTA / n², a union over every
// (source, target) pair, which covers every key at once (an exchange carries
// every key the peer lacks). The bound is the worst pair's ceil(λμ), plus
// SPREAD_D for the update's own round, as for the complete graph.
// ---------------------------------------------------------------------------

/** A run's peer graph: each node's NodeInit.peers. */
export type PeerGraph = Readonly<Record<NodeId, readonly NodeId[]>>;

export type SpreadMode = 'push' | 'pull' | 'push-pull';

/** Chance, summed over every (source, target) pair, that a run on a graph exceeds its bound. */
export const GRAPH_DELTA = 1e-6;

/** Whether every node lists every other node of the graph as a peer. */
export function isFullMeshGraph(peers: PeerGraph): boolean {
  const nodes = Object.keys(peers);
  return nodes.every((id) => {
    const own = new Set(peers[id]);
    own.delete(id);
    return own.size === nodes.length - 1 && nodes.every((o) => o === id || own.has(o));
  });
}

/** Undirected adjacency by index (an edge listed by either end counts both ways: exchanges answer back). */
function adjacency(peers: PeerGraph): { ids: NodeId[]; adj: number[][] } {
  const ids = Object.keys(peers).sort();
  const index = new Map(ids.map((id, i) => [id, i]));
  const sets = ids.map(() => new Set<number>());
  for (const [i, id] of ids.entries())
    for (const p of peers[id]) {
      const j = index.get(p);
      if (j === undefined || j === i) continue;
      sets[i].add(j);
    }
  return { ids, adj: sets.map((s) => [...s]) };
}

/** Hop diameter of the graph by its peer lists (Infinity when some node cannot reach another). */
export function graphDiameter(peers: PeerGraph): number {
  return diameterOf(adjacency(peers).adj);
}

/** A breadth-first search from every node, on typed arrays (O(n·m): n = 10,000 stays in seconds). */
function diameterOf(adj: readonly (readonly number[])[]): number {
  const n = adj.length;
  const dist = new Int32Array(n);
  const queue = new Int32Array(n);
  let d = 0;
  for (let s = 0; s < n; s++) {
    dist.fill(-1);
    dist[s] = 0;
    queue[0] = s;
    let tail = 1;
    for (let h = 0; h < tail; h++) {
      const u = queue[h];
      for (const w of adj[u])
        if (dist[w] < 0) {
          dist[w] = dist[u] + 1;
          queue[tail++] = w;
        }
    }
    if (tail < n) return Number.POSITIVE_INFINITY;
    d = Math.max(d, dist[queue[tail - 1]]);
  }
  return d;
}

/** The least λ >= 1 with λ^-1·(1-q)^(μ(λ-1-ln λ)) <= δ (Janson 2018, Thm 2.1). */
export function geometricSumQuantile(mu: number, qMin: number, delta: number): number {
  if (qMin >= 1) return mu; // every step succeeds at once: X = μ exactly
  const lnD = Math.log(delta);
  const lnMiss = Math.log(1 - qMin);
  const tail = (l: number) => -Math.log(l) + mu * (l - 1 - Math.log(l)) * lnMiss;
  let hi = 2;
  while (tail(hi) > lnD) hi *= 2;
  let lo = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (tail(mid) > lnD) lo = mid;
    else hi = mid;
  }
  return hi * mu;
}

export interface GraphSpread {
  /** Rounds (exchange opportunities) within which every node holds what any node held, whp. */
  rounds: number;
  diameter: number;
  /** The worst pair's path mean μ and weakest step q*. */
  mu: number;
  qMin: number;
}

/**
 * Above this many nodes (the largest cluster `run --nodes` draws) the worst
 * pair is not searched for (a Dijkstra from every node is O(n³): hours at
 * n = 10,000, the scale suite's size): every path is taken as diameter D
 * steps of the weakest edge's q, a sum of D geometric(q_e) variables, which
 * stochastically dominates every pair's X (more steps, each no likelier), so
 * its Janson quantile bounds them all. On a graph whose edges all have the
 * same q (equal degrees) it is the exact bound; with q_e = 1 it is D.
 */
export const GRAPH_EXACT_MAX_NODES = 256;

/** graphSpread's answers per graph object: at n = 10,000 each costs seconds, and a run's checks ask alike. */
const spreads = new WeakMap<PeerGraph, Map<string, GraphSpread>>();

/** The path bound above for one mode and fanout on a graph (its peer lists are not changed afterwards). */
export function graphSpread(peers: PeerGraph, mode: SpreadMode, fanout: number): GraphSpread {
  const known = spreads.get(peers) ?? new Map<string, GraphSpread>();
  spreads.set(peers, known);
  const key = `${mode}/${fanout}`;
  const hit = known.get(key);
  if (hit) return { ...hit };
  const g = searchSpread(peers, mode, fanout);
  known.set(key, g);
  return { ...g };
}

function searchSpread(peers: PeerGraph, mode: SpreadMode, fanout: number): GraphSpread {
  const { adj } = adjacency(peers);
  const n = adj.length;
  const f = Math.max(1, fanout);
  const reach = (d: number) => (d === 0 ? 0 : Math.min(1, f / d));
  const q = (u: number, w: number) => {
    const push = reach(adj[u].length);
    const pull = reach(adj[w].length);
    return mode === 'push' ? push : mode === 'pull' ? pull : 1 - (1 - push) * (1 - pull);
  };
  const delta = GRAPH_DELTA / Math.max(1, n * n);
  const diameter = diameterOf(adj);
  if (n > GRAPH_EXACT_MAX_NODES) return uniformSpread(adj, q, diameter, delta);
  let worst: GraphSpread = { rounds: 0, diameter, mu: 0, qMin: 1 };
  for (let s = 0; s < n; s++) {
    const mu = new Array<number>(n).fill(Number.POSITIVE_INFINITY);
    const qMin = new Array<number>(n).fill(1);
    const done = new Array<boolean>(n).fill(false);
    mu[s] = 0;
    for (;;) {
      let u = -1;
      for (let i = 0; i < n; i++)
        if (!done[i] && mu[i] < Number.POSITIVE_INFINITY && (u < 0 || mu[i] < mu[u])) u = i;
      if (u < 0) break;
      done[u] = true;
      for (const w of adj[u]) {
        const p = q(u, w);
        if (p <= 0) continue;
        if (mu[u] + 1 / p < mu[w]) {
          mu[w] = mu[u] + 1 / p;
          qMin[w] = Math.min(qMin[u], p);
        }
      }
    }
    for (let v = 0; v < n; v++) {
      if (v === s) continue;
      const t = Number.isFinite(mu[v])
        ? Math.ceil(geometricSumQuantile(mu[v], qMin[v], delta) - 1e-9)
        : Number.POSITIVE_INFINITY;
      if (t > worst.rounds) worst = { ...worst, rounds: t, mu: mu[v], qMin: qMin[v] };
    }
  }
  return worst;
}

/** GRAPH_EXACT_MAX_NODES's bound: D steps of the weakest edge (μ summed as Dijkstra sums it). */
function uniformSpread(
  adj: readonly (readonly number[])[],
  q: (u: number, w: number) => number,
  diameter: number,
  delta: number,
): GraphSpread {
  let qMin = 1;
  for (let u = 0; u < adj.length; u++) for (const w of adj[u]) qMin = Math.min(qMin, q(u, w), q(w, u));
  if (!Number.isFinite(diameter) || qMin <= 0)
    return { rounds: Number.POSITIVE_INFINITY, diameter, mu: Number.POSITIVE_INFINITY, qMin };
  let mu = 0;
  for (let i = 0; i < diameter; i++) mu += 1 / qMin;
  const rounds = diameter === 0 ? 0 : Math.ceil(geometricSumQuantile(mu, qMin, delta) - 1e-9);
  return { rounds, diameter, mu, qMin };
}

const GRAPH_SOURCE =
  'path argument of Feige, Peleg, Raghavan, Upfal 1990 (push on any graph: O(Δ(D + log n))) with the tail of Janson 2018 Thm 2.1 for sums of geometric variables; cf. O(log n / Φ) for push-pull, Giakkoupis 2011, Chierichetti, Lattanzi, Panconesi 2010';

const ANTI_ENTROPY_MODE: Partial<Record<Variant, SpreadMode>> = {
  'anti-entropy-push': 'push',
  'anti-entropy-pull': 'pull',
  'anti-entropy-push-pull': 'push-pull',
};

/**
 * Convergence on a graph: anti-entropy with its own mode and fanout; hybrid by
 * its anti-entropy part alone (push-pull with one peer every
 * `antiEntropyEvery` periods: any `antiEntropyEvery` consecutive rounds hold
 * one exchange of each end of an edge, so a step takes that many rounds).
 * Direct mail reaches only the writer's peers: no graph bound (undefined).
 */
export function graphConvergenceBound(
  variant: Variant,
  params: Parameters,
  peers: PeerGraph,
): Bound | undefined {
  const mode = ANTI_ENTROPY_MODE[variant];
  const hybrid = variant === 'hybrid';
  if (!mode && !hybrid) return undefined;
  const every = hybrid ? Math.max(1, params.antiEntropyEvery) : 1;
  const g = graphSpread(peers, mode ?? 'push-pull', hybrid ? 1 : params.fanout);
  const rounds = g.rounds * every + SPREAD_D;
  const n = Object.keys(peers).length;
  return {
    rounds,
    formula: `graph (n = ${n}, diameter ${g.diameter}): worst path μ = ${g.mu.toFixed(2)}, q* = ${g.qMin.toFixed(3)}, ${mode ?? 'push-pull'} fanout ${hybrid ? 1 : params.fanout}: ceil(λμ) = ${g.rounds} at δ = ${GRAPH_DELTA}/n²${hybrid ? `, ·antiEntropyEvery(${every})` : ''} + ${SPREAD_D} = ${rounds}`,
    source: GRAPH_SOURCE,
  };
}

/**
 * Rumor quiescence on a graph, for every rule, from the rules alone (no
 * spreading speed is assumed, since on a sparse graph a rumor may die before
 * it reaches everyone). Call a round of a key's rumor "learning" if some node
 * learns a newer version of the key in it (by rumor, or by anti-entropy in
 * hybrid), "idle" otherwise. There are at most n·V + 1 stretches of idle
 * rounds (V versions of the key, each learnt at most once per node). In an
 * idle round every contact reaches a node that already held the version at
 * the start of the round, so it is unnecessary under any reading (Demers et
 * al. 1987 §1.4), and no node becomes infective. Per idle round an infective
 * node makes c unnecessary contacts with probability at least π:
 *   push (rumor-push, hybrid): c = min(f, min degree), π = 1;
 *   pull: c = 1, π = min over nodes v of 1 - prod over v's peers w of (1 - min(1, f/deg w)) (some peer pulls).
 * A stretch of L idle rounds removes every infective node, except with
 * probability δ' = 1e-3 / (n·(n·V + 1)) per node and stretch:
 *   counter rules: ceil(k/c) successful rounds: L = Janson 2018 quantile of ceil(k/c) geometric(π);
 *   coin rules: each round ends interest with probability p = π·(1 - (1 - 1/k)^c): L = ceil(ln δ' / ln(1 - p)).
 * So traffic stops within (n·V + 1)·(L + 1) rounds of the key's first write.
 */
export function graphQuiescenceBound(
  variant: Variant,
  params: Parameters,
  peers: PeerGraph,
  versions: number,
): Bound {
  const { adj } = adjacency(peers);
  const n = adj.length;
  const f = Math.max(1, params.fanout);
  const k = Math.max(1, params.rumorK);
  const v = Math.max(1, versions);
  const stretches = n * v + 1;
  const delta = 1e-3 / (n * stretches);
  const pull = variant === 'rumor-pull';
  const minDeg = Math.max(1, Math.min(...adj.map((a) => a.length)));
  const c = pull ? 1 : Math.min(f, minDeg);
  let pi = 1;
  if (pull)
    for (const a of adj) {
      let none = 1;
      for (const w of a) none *= 1 - Math.min(1, f / Math.max(1, adj[w].length));
      pi = Math.min(pi, 1 - none);
    }
  const counter = params.lossOfInterest === 'feedback-counter' || params.lossOfInterest === 'blind-counter';
  let l: number;
  let lFormula: string;
  if (counter) {
    const m = Math.ceil(k / c);
    l = Math.ceil(geometricSumQuantile(m / pi, pi, delta) - 1e-9);
    lFormula = `L = ${pi >= 1 ? `ceil(${k}/${c})` : `quantile of ${m} geometric(${pi.toFixed(3)})`} = ${l}`;
  } else {
    const p = pi * (1 - (1 - 1 / k) ** c);
    l = p >= 1 ? 1 : Math.ceil(Math.log(delta) / Math.log(1 - p));
    lFormula = `L = ceil(ln δ' / ln(1 - ${p.toFixed(4)})) = ${l}`;
  }
  const rounds = stretches * (l + 1);
  return {
    rounds,
    formula: `graph (n = ${n}, min degree ${minDeg}): (n·V + 1)·(L + 1) = ${stretches}·${l + 1} = ${rounds} (V = ${v} versions of a key; ${lFormula}, ${params.lossOfInterest}, k = ${k}, c = ${c} contacts per idle round, δ' = ${delta.toExponential(2)})`,
    source:
      'loss-of-interest rules, Demers et al. 1987 §1.4, counted over idle rounds (checks/bounds.ts graphQuiescenceBound); Janson 2018 Thm 2.1',
  };
}
