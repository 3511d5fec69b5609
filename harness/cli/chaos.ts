// `gossipcheck chaos`: not built yet (see the open issues).
import { UsageError } from './usage.js';

export async function chaosCommand(_argv: string[]): Promise<number> {
  throw new UsageError('chaos is not implemented yet');
}
