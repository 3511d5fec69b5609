import { describe, expect, it } from 'vitest';
import { detectBound, dissemination, firstDetectionExpected } from '../../checks/membership/bounds.js';
import type { HistoryEvent, ReadMember } from '../../engine/history/events.js';
import { parseHistory, toJsonl } from '../../engine/history/recorder.js';
import type { MemberStatus, MembershipParams } from '../../proto/contract.js';
import {
  detectionFigures,
  type MembershipAnalysis,
  membershipAnalysis,
  viewMatrixFigure,
} from '../html/membership.js';
import { viewGridSvg } from '../svg/viewmatrix.js';
import {
  crashTimings,
  ecdf,
  firstDetectionCdf,
  MATRIX_MAX_NODES,
  periodLength,
  theoryCdf,
  viewMatrix,
} from './membership.js';
import { type RunBlock, splitRuns } from './series.js';

const SWIM: MembershipParams = {
  probePeriod: 2,
  indirectProbes: 1,
  suspicionPeriods: 6,
  retransmitMult: 2,
  pushPullPeriods: 3,
};

/** What happens in a round, in order: membership events, then views changing (read at the round's end). */
type Step =
  | { crash: string }
  | { restart: string }
  | { join: string }
  | { leave: string }
  | { pause: string; action: 'start' | 'stop' }
  | { partition: 'start' | 'stop' }
  | { hold: [holder: string, member: string, status: MemberStatus, incarnation: number] }
  /** A whole view replaced (a restart's fresh state). */
  | { view: [holder: string, members: ReadMember[]] };

interface Script {
  nodes: string[];
  rounds: number;
  /** Nodes that join later (no view, not up, before their join). */
  late?: string[];
  mode?: 'lockstep' | 'realtime';
  periodMs?: number;
  scenario?: string;
  steps: Record<number, Step[]>;
}

/**
 * A hand-built SWIM history: at round 1 every initial node lists every
 * initial node alive@0; afterwards views change only where a step says so,
 * and a read is recorded only for a node whose view changed (as the recorder does).
 */
function swimHistory(s: Script): HistoryEvent[] {
  const late = new Set(s.late ?? []);
  const initial = s.nodes.filter((x) => !late.has(x));
  const views = new Map<string, Map<string, [MemberStatus, number]>>();
  for (const x of initial) views.set(x, new Map(initial.map((m) => [m, ['alive', 0]])));
  const events: HistoryEvent[] = [
    {
      t: 'run',
      seed: 1,
      mode: s.mode ?? 'lockstep',
      nodes: s.nodes.slice(),
      params: {
        variant: 'membership-swim',
        fanout: 1,
        periodMs: s.periodMs ?? 0,
        lossOfInterest: 'feedback-counter',
        rumorK: 1,
        antiEntropyEvery: 1,
        maxPayloadBytes: 4096,
        membership: SWIM,
      },
      rounds: s.rounds,
      hopLimit: 4,
      values: [],
      ...(s.scenario !== undefined ? { scenario: s.scenario } : {}),
    },
  ];
  const read = (r: number, x: string) => {
    const members = [...(views.get(x) ?? [])]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([m, [st, i]]): ReadMember => [m, st, i]);
    events.push({
      t: 'read',
      r,
      node: x,
      entries: [],
      estimate: 0,
      sum: 0,
      weight: 0,
      final: r === s.rounds,
      members,
    });
  };
  const partition = {
    kind: 'partition' as const,
    shape: 'halves' as const,
    groups: [s.nodes.slice(0, 2), s.nodes.slice(2)],
  };
  for (let r = 1; r <= s.rounds; r++) {
    events.push({ t: 'round', r });
    const changed = new Set<string>(r === 1 ? initial : []);
    for (const step of s.steps[r] ?? []) {
      if ('crash' in step) events.push({ t: 'crash', r, node: step.crash });
      else if ('restart' in step) events.push({ t: 'restart', r, node: step.restart, durable: false });
      else if ('join' in step) events.push({ t: 'join', r, node: step.join });
      else if ('leave' in step) events.push({ t: 'leave', r, node: step.leave });
      else if ('pause' in step) events.push({ t: 'pause', r, node: step.pause, action: step.action });
      else if ('partition' in step)
        events.push({ t: 'fault', r, action: step.partition, fault: partition, edges: [] });
      else if ('hold' in step) {
        const [x, m, st, i] = step.hold;
        const v = views.get(x) ?? new Map();
        v.set(m, [st, i]);
        views.set(x, v);
        changed.add(x);
      } else {
        const [x, members] = step.view;
        views.set(x, new Map(members.map(([m, st, i]) => [m, [st, i]])));
        changed.add(x);
      }
    }
    for (const x of changed) read(r, x);
  }
  events.push({ t: 'end', r: s.rounds, reason: 'completed' });
  return events;
}

const blocksOf = (events: HistoryEvent[]): RunBlock[] => splitRuns(parseHistory(toJsonl(events)));
const five = ['n0', 'n1', 'n2', 'n3', 'n4'];
const holdAll = (holders: string[], member: string, status: MemberStatus): Step[] =>
  holders.map((x) => ({ hold: [x, member, status, 0] }));

describe('crash timings', () => {
  it('measures first detection and complete dissemination in probe periods', () => {
    const events = swimHistory({
      nodes: five,
      rounds: 30,
      steps: {
        3: [{ crash: 'n4' }],
        7: holdAll(['n1'], 'n4', 'suspect'),
        8: holdAll(['n0', 'n2', 'n3'], 'n4', 'suspect'),
        20: holdAll(['n0', 'n1', 'n2'], 'n4', 'dead'),
        22: holdAll(['n3'], 'n4', 'dead'),
      },
    });
    const [c] = crashTimings(blocksOf(events));
    expect(c).toMatchObject({ node: 'n4', at: 3, n: 5, period: 2, suspicion: 6 });
    expect(c.qf).toBeCloseTo(4 / 5);
    expect(c.first).toBe((7 - 3) / 2);
    // n3 is the last live member to hold it dead
    expect(c.complete).toBe((22 - 3) / 2);
    expect(c.spread).toBe(dissemination(5, SWIM));
    expect(c.expectedFirst).toBeCloseTo(firstDetectionExpected(0.8));
    expect(c.bound).toBe(detectBound(5, 0.8, SWIM) / SWIM.probePeriod);
  });

  it('counts only live members: a crashed holder does not hold dissemination up; a paused one does', () => {
    const events = swimHistory({
      nodes: five,
      rounds: 40,
      steps: {
        3: [{ crash: 'n4' }, { crash: 'n3' }, { pause: 'n2', action: 'start' }],
        5: holdAll(['n0'], 'n4', 'suspect'),
        10: [...holdAll(['n0', 'n1'], 'n4', 'dead'), ...holdAll(['n0', 'n1'], 'n3', 'dead')],
        16: [{ pause: 'n2', action: 'stop' }],
        17: [...holdAll(['n2'], 'n4', 'dead'), ...holdAll(['n2'], 'n3', 'dead')],
      },
    });
    const byNode = new Map(crashTimings(blocksOf(events)).map((c) => [c.node, c]));
    const n4 = byNode.get('n4')!;
    // two of five down after round 3
    expect(n4.qf).toBeCloseTo(3 / 5);
    expect(n4.first).toBe(1);
    // n2 was paused, still live: dead everywhere only once it resumed and learned (round 17)
    expect(n4.complete).toBe(7);
    // n3 was never suspected before its death; first detection is the first death
    expect(byNode.get('n3')).toMatchObject({ first: 3.5, complete: 7 });
  });

  it('takes q_f over the members: one that left is no longer one', () => {
    const events = swimHistory({
      nodes: five,
      rounds: 20,
      steps: {
        2: [{ leave: 'n3' }, ...holdAll(['n0', 'n1', 'n2', 'n4'], 'n3', 'left')],
        5: [{ crash: 'n4' }],
        9: holdAll(['n0', 'n1', 'n2'], 'n4', 'dead'),
      },
    });
    const [c] = crashTimings(blocksOf(events));
    expect(c.qf).toBeCloseTo(3 / 4);
    // the left member is not live: it does not have to learn the death
    expect(c.complete).toBe(2);
  });

  it('leaves a crash undetected when the node comes back first (censored, not a time)', () => {
    const events = swimHistory({
      nodes: five,
      rounds: 30,
      steps: {
        3: [{ crash: 'n4' }],
        9: holdAll(['n0', 'n1'], 'n4', 'suspect'),
        12: [{ restart: 'n4' }],
        // too late: the restarted member is back
        20: holdAll(['n0', 'n1', 'n2', 'n3'], 'n4', 'dead'),
      },
    });
    const [c] = crashTimings(blocksOf(events));
    expect(c.first).toBe(3);
    expect(c.complete).toBeUndefined();
  });

  it('pools the crashes of every run in the file', () => {
    const one = (scenario: string, at: number) =>
      swimHistory({
        nodes: five,
        rounds: 20,
        scenario,
        steps: { [at]: [{ crash: 'n1' }], [at + 2]: holdAll(['n0', 'n2', 'n3', 'n4'], 'n1', 'dead') },
      });
    const cs = crashTimings(blocksOf([...one('a', 2), ...one('b', 6)]));
    expect(cs.map((c) => [c.scenario, c.at, c.first, c.complete])).toEqual([
      ['a', 2, 1, 1],
      ['b', 6, 1, 1],
    ]);
  });

  it('measures realtime runs in periods of probePeriod·period_ms', () => {
    const events = swimHistory({
      nodes: five,
      rounds: 5000,
      mode: 'realtime',
      periodMs: 200,
      steps: { 1000: [{ crash: 'n4' }], 1600: holdAll(['n0', 'n1', 'n2', 'n3'], 'n4', 'dead') },
    });
    const [block] = blocksOf(events);
    expect(periodLength(block)).toBe(400);
    expect(crashTimings([block])[0]).toMatchObject({ first: 1.5, complete: 1.5, period: 400 });
  });
});

describe('theory and ECDF', () => {
  it('first detection is geometric: 1 − e^(−q_f·t), with the checker’s mean', () => {
    expect(firstDetectionCdf(0.8, 0)).toBe(0);
    expect(firstDetectionCdf(0.8, 2)).toBeCloseTo(1 - Math.exp(-1.6), 12);
    // E[T] = Σ_{t≥0} P(T > t) over whole periods = 1/(1 − e^(−q_f)): the checker's expected first detection
    for (const qf of [0.5, 0.8, 1]) {
      let mean = 0;
      for (let t = 0; t < 200; t++) mean += 1 - firstDetectionCdf(qf, t);
      expect(mean).toBeCloseTo(firstDetectionExpected(qf), 9);
    }
  });

  it('averages the crashes’ curves and shifts them by S (+ D)', () => {
    const base = {
      node: 'x',
      at: 0,
      n: 5,
      period: 2,
      suspicion: 3,
      spread: 2,
      expectedFirst: 0,
      firstWhp: 0,
      bound: 0,
    };
    const cs = [
      { ...base, qf: 0.5 },
      { ...base, qf: 1 },
    ];
    const pts = theoryCdf(cs, 10, (c) => c.suspicion, 0.5);
    expect(pts[0]).toEqual({ x: 0, y: 0 });
    expect(pts.at(-1)!.x).toBe(10);
    const at = (x: number) => pts.find((p) => p.x === x)!.y;
    expect(at(3)).toBe(0);
    expect(at(5)).toBeCloseTo((1 - Math.exp(-1) + 1 - Math.exp(-2)) / 2, 12);
  });

  it('draws the ECDF as steps over all crashes, below 1 when some were never detected', () => {
    expect(ecdf([3, 1, 1], 4, 5)).toEqual([
      { x: 0, y: 0 },
      { x: 1, y: 0 },
      { x: 1, y: 0.5 },
      { x: 3, y: 0.5 },
      { x: 3, y: 0.75 },
      { x: 5, y: 0.75 },
    ]);
  });
});

describe('view matrix', () => {
  const crashRun = () =>
    swimHistory({
      nodes: five,
      rounds: 40,
      steps: {
        10: [{ crash: 'n4' }],
        14: holdAll(['n0'], 'n4', 'suspect'),
        15: holdAll(['n1', 'n2', 'n3'], 'n4', 'suspect'),
        27: holdAll(['n0', 'n1', 'n2', 'n3'], 'n4', 'dead'),
      },
    });

  it('shows the views before the crash, at the first change, at most disagreement, and at the end', () => {
    const vm = viewMatrix(blocksOf(crashRun())[0])!;
    expect(vm.members).toEqual(five);
    expect(vm.grids.map((g) => [g.round, g.label])).toEqual([
      [9, 'before crash n4'],
      [14, 'first change after crash n4'],
      [40, 'end of the run; same views since 27'],
    ]);
    for (const g of vm.grids) {
      expect(g.rows).toHaveLength(5);
      for (const row of g.rows) expect(row).toHaveLength(5);
    }
    const [before, first, end] = vm.grids;
    expect(before.rows[4][4]).toEqual({ kind: 'held', status: 'alive', incarnation: 0 });
    // the crashed holder's row is blank once it is down
    expect(first.rows[4].every((c) => c.kind === 'down')).toBe(true);
    expect(first.rows[0][4]).toEqual({ kind: 'held', status: 'suspect', incarnation: 0 });
    expect(first.rows[1][4]).toEqual({ kind: 'held', status: 'alive', incarnation: 0 });
    expect(end.rows.slice(0, 4).every((row) => row[4].kind === 'held' && row[4].status === 'dead')).toBe(
      true,
    );
  });

  it('shows a joiner as down before its join and unknown members as such', () => {
    const events = swimHistory({
      nodes: ['n0', 'n1', 'n2'],
      late: ['n2'],
      rounds: 12,
      steps: {
        5: [
          { join: 'n2' },
          {
            view: [
              'n2',
              [
                ['n0', 'alive', 0],
                ['n2', 'alive', 0],
              ],
            ],
          },
        ],
        7: [...holdAll(['n0', 'n1'], 'n2', 'alive'), { hold: ['n2', 'n1', 'alive', 0] }],
      },
    });
    const vm = viewMatrix(blocksOf(events)[0])!;
    const before = vm.grids.find((g) => g.label === 'before join n2')!;
    expect(before.round).toBe(4);
    expect(before.rows[2].every((c) => c.kind === 'down')).toBe(true);
    expect(before.rows[0][2]).toEqual({ kind: 'unknown' });
    const first = vm.grids.find((g) => g.round === 5)!;
    expect(first.rows[2][1]).toEqual({ kind: 'unknown' });
    expect(first.rows[2][0]).toMatchObject({ kind: 'held', status: 'alive' });
  });

  it('caps the grids (the end always kept) and skips runs over the node limit', () => {
    const steps: Record<number, Step[]> = {};
    for (let k = 0; k < 6; k++) {
      steps[5 + 6 * k] = [{ partition: 'start' }, ...holdAll(['n0'], 'n3', k % 2 ? 'alive' : 'suspect')];
      steps[8 + 6 * k] = [{ partition: 'stop' }, ...holdAll(['n1'], 'n2', k % 2 ? 'alive' : 'suspect')];
    }
    const vm = viewMatrix(blocksOf(swimHistory({ nodes: five, rounds: 50, steps }))[0], 4)!;
    expect(vm.grids).toHaveLength(4);
    expect(vm.grids.at(-1)!.label).toMatch(/^end of the run/);
    expect(vm.omitted).toBeGreaterThan(0);
    const big = Array.from({ length: MATRIX_MAX_NODES + 1 }, (_, i) => `n${i}`);
    expect(viewMatrix(blocksOf(swimHistory({ nodes: big, rounds: 3, steps: {} }))[0])).toBeUndefined();
  });
});

describe('membership figures', () => {
  const analysis = (events: HistoryEvent[]): MembershipAnalysis => {
    const blocks = blocksOf(events);
    return membershipAnalysis(blocks[0], blocks).membership!;
  };

  it('draws both CDFs with their theory and bound, and n·n cells per grid', () => {
    const m = analysis(
      swimHistory({
        nodes: five,
        rounds: 40,
        steps: {
          3: [{ crash: 'n4' }],
          7: holdAll(['n0', 'n1', 'n2', 'n3'], 'n4', 'suspect'),
          20: holdAll(['n0', 'n1', 'n2', 'n3'], 'n4', 'dead'),
        },
      }),
    );
    const html = detectionFigures(m);
    expect(html.match(/<figure class="membership-cdf/g)).toHaveLength(2);
    expect(html.match(/polyline class="s-theory"/g)).toHaveLength(3);
    expect(html.match(/polyline class="s-bound"/g)).toHaveLength(2);
    expect(html).toContain('over 1 crash in the 1 run');
    expect(html).toContain('1 − e^(−q_f·t)');
    expect(html).toContain(`F + 2 + S + D = ${detectBound(5, 0.8, SWIM) / 2} periods`);
    const vm = viewMatrixFigure(m);
    const grids = vm.match(/<svg class="viewgrid"/g)!.length;
    expect(grids).toBe(m.matrix!.grids.length);
    expect(vm.match(/class="vm-cell /g)).toHaveLength(grids * 25);
  });

  it('draws no CDF without a crash, and escapes node ids', () => {
    const evil = '<img src=x onerror=1>';
    const m = analysis(swimHistory({ nodes: ['n0', evil], rounds: 5, steps: {} }));
    expect(detectionFigures(m)).toBe('');
    const svg = viewGridSvg(m.matrix!.members, m.matrix!.grids[0], 'round');
    expect(svg).not.toContain('<img');
    expect(svg).toContain('&lt;img src=x onerror=1&gt;');
  });

  it('is not a membership analysis for other variants', () => {
    const [block] = blocksOf(swimHistory({ nodes: five, rounds: 2, steps: {} }));
    const plain = { ...block, run: { ...block.run, params: { ...block.run.params, membership: undefined } } };
    expect(membershipAnalysis(plain, [plain])).toEqual({});
  });
});
