import type { CubeRow, ReadinessStore, SummaryCounts, SummaryDay, SummaryState } from '../../src/readiness/ports.js';
import { ReadinessService } from '../../src/readiness/service.js';

/**
 * When the summary is recomputed: never computed (a page waits for it), fresh (nothing happens), too old or older
 * than the last roster import (recomputed; a page waits only when that should be quick), someone else computing
 * (left alone). A store in memory stands in for the database.
 */
class MemoryStore {
  summary: SummaryState = { refreshedAt: null, durationMs: null, timeZone: null, sinceDay: null, leaseUntil: null };
  counts: SummaryCounts[] = [];
  days: SummaryDay[] = [];
  imported: number | null = null;
  cubes = 0;
  cubeMs = 0;
  rows: CubeRow[] = [
    { schoolId: 'a', firstSchool: true, grade: '05', claimed: true, signedIn: true, claimedDay: 20_000, loginDay: 20_001, count: 3 },
    { schoolId: 'a', firstSchool: true, grade: '05', claimed: false, signedIn: false, claimedDay: null, loginDay: null, count: 2 },
    { schoolId: 'b', firstSchool: false, grade: '05', claimed: false, signedIn: false, claimedDay: null, loginDay: null, count: 2 },
    { schoolId: '', firstSchool: true, grade: '', claimed: true, signedIn: false, claimedDay: null, loginDay: null, count: 1 },
  ];

  async cube() {
    this.cubes += 1;
    if (this.cubeMs) await new Promise((resolve) => setTimeout(resolve, this.cubeMs));
    return this.rows;
  }
  async replaceSummary(counts: SummaryCounts[], days: SummaryDay[], state: { refreshedAt: number; durationMs: number; timeZone: string; sinceDay: number }) {
    this.counts = counts;
    this.days = days;
    this.summary = { ...state, leaseUntil: null };
  }
  async state() {
    return { ...this.summary };
  }
  async lease(now: number, until: number) {
    if (this.summary.leaseUntil !== null && this.summary.leaseUntil >= now) return false;
    this.summary.leaseUntil = until;
    return true;
  }
  async releaseLease() {
    this.summary.leaseUntil = null;
  }
  async lastRosterImport() {
    return this.imported;
  }
}

function service(store: MemoryStore, clock: () => number) {
  return new ReadinessService(store as unknown as ReadinessStore, () => ({ timeZone: 'UTC', deadline: null }), { warn: () => {}, info: () => {} }, clock);
}

test('the summary: students counted in each school and once in the district, claims and first sign-ins per day', async () => {
  const store = new MemoryStore();
  await service(store, () => Date.parse('2026-08-03T12:00:00Z')).refresh();
  const find = (scope: string, id: string) => store.counts.filter((c) => c.scope === scope && c.scopeId === id).map((c) => [c.grade, c.figures]);
  expect(find('district', '')).toEqual([
    ['05', { active: 5, claimed: 3, signedIn: 3, ready: 3 }],
    ['', { active: 1, claimed: 1, signedIn: 0, ready: 0 }],
  ]);
  expect(find('school', 'a')).toEqual([['05', { active: 5, claimed: 3, signedIn: 3, ready: 3 }]]);
  expect(find('school', 'b')).toEqual([['05', { active: 2, claimed: 0, signedIn: 0, ready: 0 }]]);
  expect(find('school', '')).toEqual([['', { active: 1, claimed: 1, signedIn: 0, ready: 0 }]]);
  expect(store.days.filter((d) => d.scope === 'district').map((d) => [d.day, d.claimed, d.signedIn])).toEqual([
    [20_000, 3, 0],
    [20_001, 0, 3],
  ]);
  expect(store.summary).toMatchObject({ refreshedAt: Date.parse('2026-08-03T12:00:00Z'), timeZone: 'UTC', leaseUntil: null });
});

test('never computed: the page waits for it; fresh: nothing recomputed; too old or older than an import: recomputed', async () => {
  const store = new MemoryStore();
  let now = Date.parse('2026-08-03T12:00:00Z');
  const readiness = service(store, () => now);
  expect(await readiness.freshness()).toEqual({ refreshedAt: now, updating: false });
  expect(store.cubes).toBe(1);

  now += 10_000;
  expect(await readiness.freshness()).toEqual({ refreshedAt: now - 10_000, updating: false });
  expect(store.cubes).toBe(1);

  // Older than 30 seconds (the computation took no time): recomputed, and quick enough to wait for.
  now += 25_000;
  expect(await readiness.freshness()).toEqual({ refreshedAt: now, updating: false });
  expect(store.cubes).toBe(2);

  // A roster import since: recomputed at once.
  now += 1_000;
  store.imported = now - 500;
  expect((await readiness.freshness()).refreshedAt).toBe(now);
  expect(store.cubes).toBe(3);
});

test('a slow summary is recomputed in the background (the page shows the last one), and only by one process', async () => {
  const store = new MemoryStore();
  let now = Date.parse('2026-08-03T12:00:00Z');
  const readiness = service(store, () => now);
  await readiness.refresh();
  // The last computation took 20 s: good for 400 s, and not worth waiting for.
  store.summary.durationMs = 20_000;
  now += 300_000;
  expect(await readiness.freshness()).toEqual({ refreshedAt: now - 300_000, updating: false });
  expect(store.cubes).toBe(1);
  now += 200_000;
  store.cubeMs = 50;
  const seen = await readiness.freshness();
  expect(seen).toEqual({ refreshedAt: now - 500_000, updating: true });
  await readiness.refresh(); // joins the one running in the background: computed once
  expect(store.cubes).toBe(2);
  expect(store.summary.refreshedAt).toBe(now);

  // Another process holds the lease: this one leaves it alone and says the figures are being updated.
  now += 1_000_000;
  store.summary.leaseUntil = now + 60_000;
  expect(await readiness.freshness()).toEqual({ refreshedAt: now - 1_000_000, updating: true });
  expect(await readiness.refresh()).toBe(false);
  expect(store.cubes).toBe(2);
});
