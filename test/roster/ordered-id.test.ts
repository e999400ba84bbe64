import { orderedIds } from '../../src/roster/ordered-id.js';

describe('ordered ids (UUIDv7)', () => {
  test('are valid version-7 UUIDs, unique, and sort in the order they were made, even thousands in one millisecond', () => {
    const next = orderedIds();
    const ids = Array.from({ length: 20_000 }, () => next());
    for (const id of ids.slice(0, 50)) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    const ms = parseInt(ids[0].replace(/-/g, '').slice(0, 12), 16);
    expect(Math.abs(ms - Date.now())).toBeLessThan(60_000);
  });
});
