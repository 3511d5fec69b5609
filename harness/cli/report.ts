// `gossipcheck report`: not built yet (see the open issues).
import { UsageError } from './usage.js';

export async function reportCommand(_argv: string[]): Promise<number> {
  throw new UsageError('report is not implemented yet');
}
