import { KeyIndex } from '../../src/roster/key-index.js';
import { rng } from '../helpers/oneroster-generator.js';

describe('KeyIndex', () => {
  test('agrees with a Map through finds, adds right after finds, adds without, by hash, and growth', () => {
    const random = rng(11);
    const index = new KeyIndex(16);
    const model = new Map<string, { content: number; rowId: number; seen: boolean }>();
    for (let step = 0; step < 20_000; step += 1) {
      const key = `enr-${Math.floor(random() * 8000)}`;
      const slot = index.find(key);
      const known = model.get(key);
      expect(slot >= 0).toBe(known !== undefined);
      if (known) {
        expect(index.contentAt(slot)).toBe(known.content);
        expect(index.rowIdAt(slot)).toBe(known.rowId);
        expect(index.seenAt(slot)).toBe(known.seen);
        if (random() < 0.5) {
          index.markSeen(slot);
          known.seen = true;
        }
        continue;
      }
      const entry = { content: Math.floor(random() * 2 ** 32), rowId: step + 1, seen: random() < 0.5 };
      // Sometimes another key is looked up in between: the add must not reuse that lookup's slot.
      if (random() < 0.3) index.find(`other-${step}`);
      index.add(key, entry.content, entry.rowId, entry.seen);
      model.set(key, entry);
    }
    expect(index.size).toBe(model.size);
    const unseen = [...model.values()].filter((e) => !e.seen).map((e) => e.rowId).sort((a, b) => a - b);
    expect(index.unseenRowIds().sort((a, b) => a - b)).toEqual(unseen);
  });
});
