// The contract's version: a node that declares an older one (or none) gets one
// line naming the newer rules and which of its failures they judge; one on the
// kit's version gets none. Over gRPC the reference declares the kit's version.
import { describe, expect, it } from 'vitest';
import { CONTRACT_CHANGES, CONTRACT_VERSION, contractNote, olderContract } from './contract.js';

describe('contract versions', () => {
  it('orders versions numerically, none being 1.0', () => {
    expect(olderContract('', '1.1')).toBe(true);
    expect(olderContract('1.0', '1.0')).toBe(false);
    expect(olderContract('1.2', '1.10')).toBe(true);
    expect(olderContract('2.0', CONTRACT_VERSION)).toBe(false);
    // The list ends at the kit's own version, in order.
    expect(CONTRACT_CHANGES.at(-1)?.version).toBe(CONTRACT_VERSION);
    for (let i = 1; i < CONTRACT_CHANGES.length; i++)
      expect(olderContract(CONTRACT_CHANGES[i - 1].version, CONTRACT_CHANGES[i].version)).toBe(true);
  });

  it('a node on an older contract is told the newer rules and which failures follow from them', () => {
    const none = contractNote('', [
      'contract/envelope-kind',
      'convergence/no-faults',
      'contract/envelope-kind',
    ]);
    expect(none).toMatch(
      /^the node declares contract none \(1\.0\), the kit judges by 1\.4; newer rules: 1\.1: /,
    );
    expect(none).toContain('Failures that follow from them: contract/envelope-kind (docs/contract.md');
    expect(none).not.toContain('convergence/no-faults');
    const v12 = contractNote('1.2', ['contract/envelope-kind']);
    expect(v12).not.toContain('1.1:');
    expect(v12).toContain('1.4: realtime');
    expect(v12).toContain('No failure of this run follows from them');
    expect(contractNote(CONTRACT_VERSION, ['contract/envelope-kind'])).toBeNull();
  });
});
