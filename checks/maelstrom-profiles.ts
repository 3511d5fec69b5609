// Budgets as profiles: the Gossip Glomers efficiency challenges, pass/fail.
// 3d: "Messages-per-operation is below 30, median latency below 400ms,
// maximum latency below 600ms" with 25 nodes and 100 ms per message;
// 3e: below 20, 1 s, 2 s, same cluster (fly.io/dist-sys/3d, /3e). Their
// Maelstrom command: --node-count 25 --time-limit 20 --rate 100 --latency 100.

export interface Budget {
  name: string;
  msgsPerOp: number;
  medianMs: number;
  maxMs: number;
}

export interface Profile {
  budget: Budget;
  nodes: number;
  latencyMs: number;
  rate: number;
  durationMs: number;
}

export const PROFILES = {
  'glomers-3d': {
    budget: { name: 'glomers-3d', msgsPerOp: 30, medianMs: 400, maxMs: 600 },
    nodes: 25,
    latencyMs: 100,
    rate: 100,
    durationMs: 20_000,
  },
  'glomers-3e': {
    budget: { name: 'glomers-3e', msgsPerOp: 20, medianMs: 1000, maxMs: 2000 },
    nodes: 25,
    latencyMs: 100,
    rate: 100,
    durationMs: 20_000,
  },
} as const satisfies Record<string, Profile>;

export type ProfileName = keyof typeof PROFILES;
export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];
