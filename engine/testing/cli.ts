// Test helpers: run the built CLI as a real process, read what a run wrote,
// and make temp dirs that are always removed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { HistoryEvent } from '../history/events.js';

export const CLI = resolve('dist/cli/main.js');
export const BROKEN_ENDPOINT = resolve('dist/engine/testing/broken-endpoint.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `wrap` runs the CLI under another command (e.g. nsenter --net=…), which execs node. */
export function runCli(
  args: string[],
  timeoutMs = 600_000,
  cwd?: string,
  env: NodeJS.ProcessEnv = process.env,
  wrap: readonly string[] = [],
): Promise<CliResult> {
  return new Promise((done, fail) => {
    const argv = [...wrap, process.execPath, CLI, ...args];
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`gossipcheck ${args.join(' ')} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** A temp dir per call; `cleanup` removes every dir made. */
export function tempDirs(): { make(): string; cleanup(): void } {
  const made: string[] = [];
  return {
    make() {
      const d = mkdtempSync(join(tmpdir(), 'gossipcheck-test-'));
      made.push(d);
      return d;
    },
    cleanup() {
      for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** The report.json a run wrote to `dir`, as the caller's report type. */
export function readReport<R>(dir: string): R {
  return JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as R;
}

/** The history.jsonl a chaos run wrote to `dir`, one event per line. */
export function readHistory(dir: string): HistoryEvent[] {
  return readFileSync(join(dir, 'history.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as HistoryEvent);
}
