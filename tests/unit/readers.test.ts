import { describe, expect, it } from 'vitest';
import { countReaders, POSSIBLE_READER_WEIGHT, readsClearlyDiffer, weightedReaders } from '../../src/server/tracking/readers';

describe('a link’s other browsers', () => {
  const owner = { ownerNetworks: new Set<string | null>(['office']), ownerDocuments: new Set(['pricing', 'overview']) };
  it.each([
    ['another network, a document the contact never opened', ['mobile'], 'security', true],
    ['another network, the document the contact read', ['mobile'], 'pricing', false],
    ['the contact’s network, another document (a colleague at the office, or the contact)', ['office'], 'security', false],
    ['once on the contact’s network, once elsewhere', ['mobile', 'office'], 'security', false],
    ['an unknown network is no evidence', [null], 'security', false],
    ['no visit yet', [], 'security', false],
  ] as const)('%s → %s', (_, networks, slug, expected) => {
    expect(readsClearlyDiffer({ ...owner, browserNetworks: new Set(networks), documentSlug: slug })).toBe(expected);
  });

  it('counts named browsers as their contact, distinct ones as readers and the rest as possible readers', () => {
    const browsers = [
      { contactId: 'c-2', distinctReader: true },
      { contactId: null, distinctReader: true },
      { contactId: null, distinctReader: false },
      { contactId: null, distinctReader: false },
    ];
    expect(countReaders(2, browsers)).toEqual({ readers: 3, possibleReaders: 2 });
    expect(countReaders(0, [])).toEqual({ readers: 0, possibleReaders: 0 });
    expect(weightedReaders({ readers: 3, possibleReaders: 2 })).toBe(3 + 2 * POSSIBLE_READER_WEIGHT);
    expect(POSSIBLE_READER_WEIGHT).toBe(0.5);
  });
});
