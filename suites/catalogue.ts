// The one catalogue of every case id in every mode: the lockstep cases (the
// registry, each a fast-check property), the cases a realtime run judges on
// its history (checks/realtime.ts), and the Maelstrom cases (one convergence
// case per scenario of suites/maelstrom.ts, the protocol, the budgets, and
// the realtime cases a Maelstrom history is judged for). `gossipcheck list`
// prints it; every command's --case is matched against it.
import { budgetCases, convergenceCase, PROTOCOL_CASE } from '../checks/maelstrom.js';
import { NOT_ON_MAELSTROM, REALTIME_VARIANTS, realtimeCaseIds, realtimeCases } from '../checks/realtime.js';
import { RUN_COMPLETED } from '../checks/run.js';
import type { CheckInfo } from '../checks/verdict.js';
import type { Variant } from '../proto/contract.js';
import { GENERATED_CASE, MAELSTROM_PARAMS, MAELSTROM_SCENARIOS } from './maelstrom.js';
import { ALL_CASES, matchesPrefix } from './registry.js';

/**
 * lockstep: the harness drives rounds (Tick), a case is a property, shrunk and
 * replayable. realtime: nodes on their own timers (`gossipcheck chaos`).
 * maelstrom: a Maelstrom node over stdin/stdout (`run --maelstrom`, `chaos --maelstrom`).
 */
export type Mode = 'lockstep' | 'realtime' | 'maelstrom';
export const MODES: readonly Mode[] = ['lockstep', 'realtime', 'maelstrom'];

export interface CatalogueEntry extends CheckInfo {
  /** Variants the case applies to (over all its modes). */
  variants: Variant[];
  modes: Mode[];
}

/** Realtime cases judged on a Maelstrom history (checks/realtime.ts NOT_ON_MAELSTROM says which are not). */
export const MAELSTROM_REALTIME_IDS: readonly string[] = realtimeCaseIds(MAELSTROM_PARAMS.variant).filter(
  (id) => !NOT_ON_MAELSTROM.has(id),
);

/** The budget case ids (maelstrom/budget/*), judged on the scenarios with `budgets`. */
export const BUDGET_IDS: readonly string[] = Object.values(budgetCases(null)).map((c) => c.id);

function build(): CatalogueEntry[] {
  const byId = new Map<string, CatalogueEntry>();
  const add = (info: CheckInfo, mode: Mode, variants: readonly Variant[]) => {
    const e = byId.get(info.id);
    if (!e) {
      const { id, requirement, level, source } = info;
      byId.set(id, { id, requirement, level, source, variants: [...variants], modes: [mode] });
      return;
    }
    if (!e.modes.includes(mode)) e.modes.push(mode);
    for (const v of variants) if (!e.variants.includes(v)) e.variants.push(v);
  };
  for (const c of ALL_CASES) add(c, 'lockstep', c.variants);
  for (const v of REALTIME_VARIANTS)
    for (const c of [RUN_COMPLETED, ...realtimeCases(v)]) add(c, 'realtime', [v]);
  add(PROTOCOL_CASE, 'maelstrom', [MAELSTROM_PARAMS.variant]);
  for (const s of MAELSTROM_SCENARIOS)
    add(convergenceCase(s.name, s.what), 'maelstrom', [MAELSTROM_PARAMS.variant]);
  add(GENERATED_CASE, 'maelstrom', [MAELSTROM_PARAMS.variant]);
  for (const c of Object.values(budgetCases(null))) add(c, 'maelstrom', [MAELSTROM_PARAMS.variant]);
  for (const id of MAELSTROM_REALTIME_IDS) {
    const e = byId.get(id);
    if (e) add(e, 'maelstrom', [MAELSTROM_PARAMS.variant]);
  }
  for (const e of byId.values()) e.modes.sort((a, b) => MODES.indexOf(a) - MODES.indexOf(b));
  return [...byId.values()];
}

/** Every case id in every mode: lockstep in registry order, then realtime-only, then Maelstrom-only. */
export const CATALOGUE: readonly CatalogueEntry[] = build();

export const findEntry = (id: string): CatalogueEntry | undefined => CATALOGUE.find((e) => e.id === id);

/** The case ids of one mode, in catalogue order. */
export const idsIn = (mode: Mode): string[] =>
  CATALOGUE.filter((e) => e.modes.includes(mode)).map((e) => e.id);

/**
 * Why a --case selection matches nothing in `mode`, or null when it matches:
 * names the modes the prefixes do match, so the user knows which command to run.
 */
export function noMatch(
  mode: Mode,
  prefixes: readonly string[],
  suites: readonly string[] = [],
): string | null {
  const hit = (e: CatalogueEntry) =>
    matchesPrefix(e.id, prefixes) && (suites.length === 0 || suites.includes(e.id.split('/')[0]));
  if (CATALOGUE.some((e) => e.modes.includes(mode) && hit(e))) return null;
  const elsewhere = MODES.filter((m) => m !== mode && CATALOGUE.some((e) => e.modes.includes(m) && hit(e)));
  const what = `${suites.length ? `--suite ${suites.join(',')} ` : ''}--case ${prefixes.join(',') || '*'}`;
  return elsewhere.length
    ? `no ${mode} case matches ${what}; it matches ${elsewhere.join(' and ')} cases only (see gossipcheck list)`
    : `no case matches ${what} (see gossipcheck list)`;
}
