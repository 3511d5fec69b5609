// `gossipcheck replay`: not built yet (see the open issues).
import { UsageError } from './usage.js';

export async function replayCommand(_argv: string[]): Promise<number> {
  throw new UsageError('replay is not implemented yet');
}
