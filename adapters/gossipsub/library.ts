// What this adapter reads of the unmodified @libp2p/gossipsub library besides
// its code: the installed version (reported by Init) and the mesh parameters
// the contract's fanout maps to.
import { readFileSync } from 'node:fs';
import type { GossipsubOpts } from '@libp2p/gossipsub';

function libraryVersion(): string {
  try {
    const entry = new URL(import.meta.resolve('@libp2p/gossipsub'));
    // .../node_modules/@libp2p/gossipsub/dist/src/index.js -> package.json
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', entry), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

export const LIBRARY_VERSION = libraryVersion();

/** Mesh parameters from the contract's fanout (library defaults: D 6, Dlo 4, Dhi 12, Dscore 4, Dout 2, Dlazy 6). */
export function meshParams(
  fanout: number,
): Pick<GossipsubOpts, 'D' | 'Dlo' | 'Dhi' | 'Dscore' | 'Dout' | 'Dlazy'> {
  const D = fanout > 0 ? fanout : 6;
  const Dlo = Math.max(1, D - Math.floor(D / 3));
  return { D, Dlo, Dhi: 2 * D, Dscore: Dlo, Dout: Math.min(Math.floor(D / 3), Dlo - 1), Dlazy: D };
}
