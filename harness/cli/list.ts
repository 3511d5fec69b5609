// `gossipcheck list`: not built yet (see the open issues).
import { UsageError } from './usage.js';

export async function listCommand(_argv: string[]): Promise<number> {
  throw new UsageError('list is not implemented yet');
}
