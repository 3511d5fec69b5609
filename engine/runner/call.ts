// A call to an endpoint as the runners see it: never a rejection, always a
// result, under a deadline; a refusal the contract names (a rejected batch)
// told apart from a failure.
import { ContractError } from '../../proto/contract.js';

/** ContractError codes on Deliver that reject the batch but let the run go on. */
const REJECTIONS: ReadonlySet<string> = new Set(['invalid-argument', 'not-found', 'failed-precondition']);

export type CallResult<T> = { ok: true; value: T } | { ok: false; message: string; rejected: boolean };

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return err instanceof ContractError || (err.name === 'ContractError' && typeof code === 'string')
      ? `${code}: ${err.message}`
      : err.message || err.name;
  }
  return String(err);
}

function isRejection(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  const contract = err instanceof ContractError || err.name === 'ContractError';
  return contract && typeof code === 'string' && REJECTIONS.has(code);
}

/**
 * Calls `fn` under a deadline of `ms`. Never rejects; the timer is always
 * cleared, and a late answer or rejection of the IUT's promise is swallowed.
 */
export function callWithDeadline<T>(fn: () => Promise<T>, ms: number, op: string): Promise<CallResult<T>> {
  return new Promise((resolve) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      resolve({ ok: false, message: `${op} did not answer within ${ms} ms`, rejected: false });
    }, ms);
    let p: Promise<T>;
    try {
      p = Promise.resolve(fn());
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      (value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ok: true, value });
      },
      (err: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(failedCall(op, err));
      },
    );
  });
}

/** The result a call that failed with `err` gives (as callWithDeadline words it). */
export function failedCall(op: string, err: unknown): { ok: false; message: string; rejected: boolean } {
  return { ok: false, message: `${op} failed: ${errorText(err)}`, rejected: isRejection(err) };
}
