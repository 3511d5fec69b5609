// The messages between `gossipcheck run` (the coordinator) and its worker
// processes, over the IPC channel of child_process.fork.
import type { Capabilities, TransportStats, Variant } from '../../proto/contract.js';
import type { CaseResult } from '../../suites/result.js';

/** What a worker needs to run cases: the run's settings. */
export interface WorkerSettings {
  /** The --impl command, or null for the built-in reference in-process. */
  impl: string | null;
  /** Directory a relative --impl command runs from. */
  cwd: string;
  startupTimeoutMs: number;
  callTimeoutMs: number;
  seed: number;
  runs: number;
  minNodes: number;
  maxNodes: number;
  minRounds: number;
  /** 0: the cap derived from n and fanout. */
  maxEnvelopesPerRound: number;
  /** Where histories and counterexamples are written (the staging report dir). */
  writeDir: string;
  /** The report dir the user named: replay commands name files below it. */
  outDir: string;
  /** The IUT's stdout and stderr go here (node-logs/), or null. */
  logFile: string | null;
  /** Capabilities narrowed by --variant: what cases run against. */
  variants: Variant[] | null;
}

export type ToWorker = { t: 'start'; settings: WorkerSettings } | { t: 'case'; id: string; variant: Variant };

export type FromWorker =
  | {
      t: 'ready';
      implementation: string;
      version: string;
      capabilities: Capabilities;
      /** The contract version the IUT declared ('' for none). */
      contractVersion: string;
      iutPid: number | null;
    }
  /** The IUT could not start (exit 2) or did not answer Init (a FAIL of run/init). */
  | { t: 'startup-failed'; message: string; init: boolean }
  /** `broken`: the IUT stopped answering in this case; no further case can run on it. */
  | {
      t: 'result';
      result: CaseResult;
      broken: string | null;
      /** The worker's endpoint's calls so far (over gRPC; absent in-process). */
      transport?: TransportStats;
    }
  /** The kit itself failed on this case (exit 2). */
  | { t: 'harness-error'; message: string };
