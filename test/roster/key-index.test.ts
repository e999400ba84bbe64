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
    const unseen = [...model.values()]
      .filter((e) => !e.seen)
      .map((e) => e.rowId)
      .sort((a, b) => a - b);
    expect(index.unseenRowIds().sort((a, b) => a - b)).toEqual(unseen);
  });

  test('an index of keys alone finds and flags keys through growth, and holds no content or row ids', () => {
    const index = new KeyIndex(16, 0, { payload: false });
    for (let i = 0; i < 5000; i += 1) {
      expect(index.find(`key-${i}`)).toBe(-1);
      index.add(`key-${i}`, i * 7, i + 1, i % 2 === 0);
    }
    expect(index.size).toBe(5000);
    for (let i = 0; i < 5000; i += 1) {
      const slot = index.find(`key-${i}`);
      expect(slot).toBeGreaterThanOrEqual(0);
      expect(index.seenAt(slot)).toBe(i % 2 === 0);
      expect([index.contentAt(slot), index.rowIdAt(slot)]).toEqual([0, 0]);
    }
    expect(index.find('key-5000')).toBe(-1);
    expect(index.unseenRowIds()).toEqual([]);
  });

  test('release() gives its arrays back at once', async () => {
    const index = new KeyIndex(1_000_000);
    index.add('key', 1, 2, false);
    const before = process.memoryUsage().arrayBuffers;
    await index.release();
    expect(index.size).toBe(0);
    // About 23 MB of arrays (a million entries): gone without a garbage collection.
    expect(before - process.memoryUsage().arrayBuffers).toBeGreaterThan(20_000_000);
  });

  test('moves to another thread by its parts and keeps every key, content, row id and seen flag', () => {
    const index = new KeyIndex(100);
    for (let i = 0; i < 5000; i += 1) index.add(`key-${i}`, i * 7, i + 1, i % 3 === 0);
    const { parts, transfer } = index.parts();
    // As postMessage does with a transfer list: the buffers move, the sender's arrays become empty.
    const moved = KeyIndex.fromParts(structuredClone(parts, { transfer }));
    expect(parts.hi.length).toBe(0);
    expect(moved.size).toBe(5000);
    for (let i = 0; i < 5000; i += 1) {
      const slot = moved.find(`key-${i}`);
      expect([moved.contentAt(slot), moved.rowIdAt(slot), moved.seenAt(slot)]).toEqual([i * 7, i + 1, i % 3 === 0]);
    }
    expect(moved.find('key-5000')).toBe(-1);
    moved.add('key-5000', 1, 0, true);
    expect(moved.size).toBe(5001);
  });

  test('finds each key whether it is looked up in the order it was added, in another order, or after keys it lacks', () => {
    const index = new KeyIndex(100);
    for (let i = 0; i < 3000; i += 1) index.addHashed(i + 1, i * 31 + 7, i, i + 1, false); // as stored rows are loaded
    for (let i = 0; i < 3000; i += 1) index.add(`key-${i}`, 10_000 + i, 0, true); // then the file's new rows
    const at = (slot: number) => (slot < 0 ? null : index.contentAt(slot));
    // In order (each lookup tries the entry after the last one found), with a missing key in between, and backwards.
    for (let i = 0; i < 3000; i += 1) {
      expect(at(index.find(`key-${i}`))).toBe(10_000 + i);
      if (i % 100 === 0) expect(index.find(`absent-${i}`)).toBe(-1);
    }
    for (let i = 2999; i >= 0; i -= 7) expect(at(index.find(`key-${i}`))).toBe(10_000 + i);
    // A key right after the last one found, added after it: found there; one not there yet: added once.
    expect(at(index.find('key-1500'))).toBe(11_500);
    expect(index.find('key-new')).toBe(-1);
    index.add('key-new', 42, 0, false);
    expect(at(index.find('key-new'))).toBe(42);
    expect(index.size).toBe(6001);
  });
});
