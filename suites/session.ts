// A run's settings as the suite files see them. `gossipcheck run` writes the
// session as JSON and names it in GOSSIPCHECK_SESSION before starting vitest;
// each case appends its CaseResult as one JSON line to `resultsFile`.
import { readFileSync } from 'node:fs';
import type { Capabilities } from '../proto/contract.js';

export interface Session {
  /** null: the built-in reference, in-process; else the gRPC address of the IUT. */
  address: string | null;
  /** The --impl command, kept for counterexample files. */
  impl: string | null;
  capabilities: Capabilities;
  seed: number;
  runs: number;
  minNodes: number;
  maxNodes: number;
  /** Every lockstep run lasts at least this many rounds (0: as the bounds need). */
  minRounds: number;
  callTimeoutMs: number;
  suites: string[];
  cases: string[];
  outDir: string;
  resultsFile: string;
}

export const SESSION_ENV = 'GOSSIPCHECK_SESSION';

export function loadSession(): Session | null {
  const file = process.env[SESSION_ENV];
  return file ? (JSON.parse(readFileSync(file, 'utf8')) as Session) : null;
}
