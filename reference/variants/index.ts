// One core per variant; the only place that maps a variant name to code.

import { SwimCore } from '../membership/swim.js';
import { AntiEntropyCore } from './anti-entropy.js';
import type { Core, CoreContext } from './core.js';
import { DirectMailCore } from './direct-mail.js';
import { HybridCore } from './hybrid.js';
import { PushSumCore } from './push-sum.js';
import { RumorCore } from './rumor.js';

export function createCore(ctx: CoreContext): Core {
  switch (ctx.params.variant) {
    case 'direct-mail':
      return new DirectMailCore(ctx);
    case 'anti-entropy-push':
      return new AntiEntropyCore(ctx, 'push');
    case 'anti-entropy-pull':
      return new AntiEntropyCore(ctx, 'pull');
    case 'anti-entropy-push-pull':
      return new AntiEntropyCore(ctx, 'push-pull');
    case 'rumor-push':
      return new RumorCore(ctx, 'push');
    case 'rumor-pull':
      return new RumorCore(ctx, 'pull');
    case 'hybrid':
      return new HybridCore(ctx);
    case 'push-sum':
      return new PushSumCore(ctx);
    case 'membership-swim':
      return new SwimCore(ctx);
  }
}
