// `gossipcheck docker-image`: not built yet (see the open issues).
import { UsageError } from './usage.js';

export async function dockerImageCommand(_argv: string[]): Promise<number> {
  throw new UsageError('docker-image is not implemented yet');
}
