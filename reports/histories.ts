// Reading the history files a report references (report-dir relative JSONL).
// A missing, oversized or unparsable file is a note on the page, never a
// crash; a path that leaves the report directory is refused.
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, normalize, sep } from 'node:path';
import type { HistoryEvent } from '../engine/history/events.js';
import { parseHistory } from '../engine/history/recorder.js';
import type { RunReport } from '../suites/result.js';

export type LoadedHistory = { ok: true; events: HistoryEvent[] } | { ok: false; error: string };

/** Largest history file the page draws from (bigger ones are noted, not read). */
export const MAX_DRAWN_HISTORY_BYTES = 64 * 1024 * 1024;

/**
 * A report-dir relative path that stays inside the directory: no scheme, not
 * absolute, no '..' segment, no backslash, no control characters.
 * Returns the normalised path, or undefined.
 */
export function safeRelativePath(p: unknown): string | undefined {
  if (typeof p !== 'string' || p === '' || p.length > 1000) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f\\]/.test(p) || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(p) || isAbsolute(p))
    return undefined;
  const parts = p.split('/');
  if (parts.some((s) => s === '..')) return undefined;
  const n = normalize(p).split(sep).join('/');
  return n.startsWith('../') || n === '..' ? undefined : n;
}

/** Every history path a report references (results and counterexamples), de-duplicated. */
export function historyPaths(report: RunReport): string[] {
  const out = new Set<string>();
  for (const r of report.results ?? []) {
    if (r.history) out.add(r.history);
    if (r.counterexample?.history) out.add(r.counterexample.history);
  }
  return [...out];
}

export async function loadHistory(dir: string, path: string): Promise<LoadedHistory> {
  const rel = safeRelativePath(path);
  if (!rel) return { ok: false, error: 'path is not inside the report directory' };
  const file = join(dir, rel);
  try {
    const info = await stat(file);
    if (!info.isFile()) return { ok: false, error: 'not a file' };
    if (info.size > MAX_DRAWN_HISTORY_BYTES) {
      return {
        ok: false,
        error: `${info.size} bytes, more than the ${MAX_DRAWN_HISTORY_BYTES} the page draws from`,
      };
    }
    return { ok: true, events: parseHistory(await readFile(file, 'utf8')) };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return { ok: false, error: 'file not found' };
    return { ok: false, error: e.message ?? String(err) };
  }
}

/** Every history `report` references, read from `dir`, by path. */
export async function loadHistories(dir: string, report: RunReport): Promise<Map<string, LoadedHistory>> {
  const map = new Map<string, LoadedHistory>();
  for (const p of historyPaths(report)) map.set(p, await loadHistory(dir, p));
  return map;
}
