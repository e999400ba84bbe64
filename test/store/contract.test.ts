import { randomUUID } from 'node:crypto';
import type { AdapterPayload } from 'oidc-provider';
import { ClientRegistry } from '../../src/oidc/clients.js';
import type { Sealer } from '../../src/shared/seal.js';
import { LockoutReport } from '../../src/accounts/lockouts.js';
import { SqlAccountStore } from '../../src/store/accounts-repo.js';
import { SqlAuditLog } from '../../src/store/audit-repo.js';
import { ClientRows } from '../../src/store/client-rows.js';
import { SqlClientStore } from '../../src/store/clients-repo.js';
import { MIGRATION_NAMES, migrateToLatest, openStore, type Store } from '../../src/store/database.js';
import { SqlFlowStore } from '../../src/store/flows-repo.js';
import { SqlLockoutStore } from '../../src/store/lockouts-repo.js';
import { createOidcAdapter, purgeExpiredOidcPayloads, revokeAccountOidcState } from '../../src/store/oidc-adapter.js';
import { SqlRpSessions } from '../../src/store/rp-sessions-repo.js';
import { SqlSecrets } from '../../src/store/secrets-repo.js';
import { SqlSigningKeys } from '../../src/store/signing-keys-repo.js';
import { SqlThrottleStore } from '../../src/store/throttle-repo.js';
import { migratedStore, newAccount, testSealer, uniqueUsername, type MigratedStore } from '../helpers/factories.js';
import { ENGINES, freshDatabase } from '../helpers/server.js';
import { prepared } from '../../src/store/prepared.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Expects a unique or primary-key violation. Matched on the driver's code rather than with `.rejects.toThrow()`:
 * better-sqlite3's native addon keeps the SqliteError class of the first Jest suite that loaded it, so in later
 * suites its errors fail Jest's cross-realm `instanceof Error` check and `.toThrow()` reports "did not throw".
 */
async function expectUniqueViolation(work: Promise<unknown>): Promise<void> {
  const outcome = await work.then(
    () => ({ rejected: false, code: undefined }),
    (error: { code?: unknown }) => ({ rejected: true, code: String(error?.code) }),
  );
  expect(outcome).toEqual({ rejected: true, code: expect.stringMatching(/^(SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)|23505)$/) });
}

/**
 * One storage contract, run on every engine: what the domain relies on must hold on SQLite and PostgreSQL alike,
 * including atomic counters, optimistic writes and numbers that come back as numbers.
 */
describe.each(ENGINES)('storage contract (%s)', (engine) => {
  let fixture: MigratedStore;
  let store: Store;
  let sealer: Sealer;

  beforeAll(async () => {
    fixture = await migratedStore(engine);
    store = fixture.store;
    sealer = testSealer();
  });
  afterAll(() => fixture.close());

  describe('migrations', () => {
    test('apply to an empty database, then a second run applies nothing', async () => {
      const database = await freshDatabase(engine);
      const fresh = await openStore(database.options);
      try {
        expect(await migrateToLatest(fresh, database.options.schema)).toEqual([...MIGRATION_NAMES]);
        expect(await migrateToLatest(fresh, database.options.schema)).toEqual([]);
        // The schema is usable after both runs.
        const row = await fresh.db
          .selectFrom('accounts')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow();
        expect(row.n).toBe(0);
      } finally {
        await fresh.close();
        await database.drop();
      }
    });

    test('a reopened store sees the migrations as applied', async () => {
      const again = await openStore(fixture.database.options);
      try {
        expect(await migrateToLatest(again, fixture.database.options.schema)).toEqual([]);
      } finally {
        await again.close();
      }
    });
  });

  describe('accounts', () => {
    let accounts: SqlAccountStore;
    beforeAll(() => {
      accounts = new SqlAccountStore(store.db);
    });

    test('create, then find by username (case-insensitive, trimmed) and by id', async () => {
      const username = uniqueUsername('S');
      const created = await accounts.create(newAccount({ username: `  ${username} `, givenName: 'Mia', familyName: 'Chen', studentId: `id-${username}` }));
      expect(created.username).toBe(username);
      expect(created.givenName).toBe('Mia');
      expect(created.familyName).toBe('Chen');
      expect(created.status).toBe('active');
      expect(created.passwordHash).toBeNull();
      expect(created.claimedAt).toBeNull();

      for (const spelling of [username, username.toLowerCase(), username.toUpperCase(), ` ${username.toLowerCase()}\t`]) {
        const found = await accounts.findByUsername(spelling);
        expect(found?.id).toBe(created.id);
      }
      expect((await accounts.findById(created.id))?.username).toBe(username);
      expect(await accounts.findByUsername(`${username}x`)).toBeNull();
      expect(await accounts.findById(randomUUID())).toBeNull();
    });

    test('roles (deduplicated, sorted) and schools (by name) are hydrated', async () => {
      const a = await accounts.create(
        newAccount({
          roles: ['teacher', 'admin', 'teacher'],
          schools: [
            { id: `birch-${randomUUID()}`, name: 'Birch Elementary' },
            { id: `aspen-${randomUUID()}`, name: 'Aspen Middle' },
          ],
        }),
      );
      expect(a.roles).toEqual(['admin', 'teacher']);
      expect(a.schools.map((s) => s.name)).toEqual(['Aspen Middle', 'Birch Elementary']);

      const b = await accounts.create(newAccount({ roles: ['student'], schools: [a.schools[0]] }));
      const [reA, reB] = await Promise.all([accounts.findById(a.id), accounts.findById(b.id)]);
      expect(reA?.roles).toEqual(['admin', 'teacher']);
      expect(reA?.schools).toEqual(a.schools);
      expect(reB?.roles).toEqual(['student']);
      expect(reB?.schools).toEqual([a.schools[0]]);
    });

    test('usernames are unique regardless of case; the failed create leaves nothing behind', async () => {
      const username = uniqueUsername('Dup');
      await accounts.create(newAccount({ username }));
      const before = await accounts.count();
      await expectUniqueViolation(accounts.create(newAccount({ username: username.toLowerCase(), roles: ['student', 'teacher'] })));
      await expectUniqueViolation(accounts.create(newAccount({ username: ` ${username.toUpperCase()} ` })));
      expect(await accounts.count()).toBe(before);
    });

    test('count and list return every account', async () => {
      const before = await accounts.count();
      expect(typeof before).toBe('number');
      const made = await accounts.create(newAccount());
      expect(await accounts.count()).toBe(before + 1);
      const listed = await accounts.list({ limit: 10_000 });
      expect(listed).toHaveLength(before + 1);
      expect(listed.find((a) => a.id === made.id)?.username).toBe(made.username);
    });

    test('a password at creation claims the account and starts the history; setPassword appends', async () => {
      const created = await accounts.create(newAccount({ passwordHash: 'hash-1' }));
      expect(created.passwordHash).toBe('hash-1');
      expect(typeof created.claimedAt).toBe('number');
      expect(created.claimedAt).toBeGreaterThan(Date.now() - 60_000);
      expect(await accounts.passwordHistory(created.id)).toEqual(['hash-1']);

      await sleep(3);
      await accounts.setPassword(created.id, 'hash-2');
      await sleep(3);
      await accounts.setPassword(created.id, 'hash-3');
      expect((await accounts.findById(created.id))?.passwordHash).toBe('hash-3');
      expect(await accounts.passwordHistory(created.id)).toEqual(['hash-3', 'hash-2', 'hash-1']);
    });

    test('upgradeHash replaces the hash (and its history entry) only while the old hash is still stored', async () => {
      const created = await accounts.create(newAccount({ passwordHash: 'bcrypt-form' }));
      await accounts.upgradeHash(created.id, 'bcrypt-form', 'argon-form');
      expect((await accounts.findById(created.id))?.passwordHash).toBe('argon-form');
      expect(await accounts.passwordHistory(created.id)).toEqual(['argon-form']);

      // A reset lands between the login's read and its upgrade: the reset must win.
      await sleep(3);
      await accounts.setPassword(created.id, 'reset-hash');
      await accounts.upgradeHash(created.id, 'argon-form', 'stale-upgrade');
      expect((await accounts.findById(created.id))?.passwordHash).toBe('reset-hash');
      expect(await accounts.passwordHistory(created.id)).toEqual(['reset-hash', 'argon-form']);
    });

    test('recordLogin stores the time as a number', async () => {
      const created = await accounts.create(newAccount({ passwordHash: 'h' }));
      expect(created.lastLoginAt).toBeNull();
      const at = Date.now() - 1234;
      await accounts.recordLogin(created.id, at);
      const found = await accounts.findById(created.id);
      expect(found?.lastLoginAt).toBe(at);
    });
  });

  describe('throttle counters', () => {
    let throttle: SqlThrottleStore;
    beforeAll(() => {
      throttle = new SqlThrottleStore(store.db, store.engine);
    });

    test('50 concurrent hits count exactly 50, each seeing a different count', async () => {
      const key = `k:${randomUUID()}`;
      const now = Date.now();
      const results = await Promise.all(Array.from({ length: 50 }, () => throttle.hit(key, 60_000, now)));
      expect(results.map((r) => r.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      for (const r of results) expect(r.windowStart).toBe(now);
      expect(await throttle.peek(key)).toEqual({ count: 50, windowStart: now });
    });

    test('counts within the window, restarts at 1 once it has expired', async () => {
      const key = `k:${randomUUID()}`;
      const t0 = 1_700_000_000_000;
      expect(await throttle.hit(key, 1000, t0)).toEqual({ count: 1, windowStart: t0 });
      expect(await throttle.hit(key, 1000, t0 + 999)).toEqual({ count: 2, windowStart: t0 });
      expect(await throttle.hit(key, 1000, t0 + 1000)).toEqual({ count: 1, windowStart: t0 + 1000 });
      expect(await throttle.hit(key, 1000, t0 + 1500)).toEqual({ count: 2, windowStart: t0 + 1000 });
      expect(await throttle.peek(key)).toEqual({ count: 2, windowStart: t0 + 1000 });
    });

    test('keys are independent and reset removes only its own key', async () => {
      const a = `k:${randomUUID()}`;
      const b = `k:${randomUUID()}`;
      const now = Date.now();
      await throttle.hit(a, 60_000, now);
      await throttle.hit(a, 60_000, now);
      await throttle.hit(b, 60_000, now);
      await throttle.reset(a);
      expect(await throttle.peek(a)).toBeNull();
      expect(await throttle.peek(b)).toEqual({ count: 1, windowStart: now });
      expect(await throttle.hit(a, 60_000, now)).toEqual({ count: 1, windowStart: now });
      await throttle.reset(`k:${randomUUID()}`); // resetting an absent key is harmless
    });

    test('hitAll counts several keys at once, each in its own window, and concurrent calls lose no count', async () => {
      const short = `k:${randomUUID()}`;
      const long = `k:${randomUUID()}`;
      const t0 = 1_700_000_000_000;
      const hits = [
        { key: short, windowMs: 1000 },
        { key: long, windowMs: 60_000 },
      ];
      expect(await throttle.hitAll(hits, t0)).toEqual([
        { count: 1, windowStart: t0 },
        { count: 1, windowStart: t0 },
      ]);
      // The short window has ended, the long one has not.
      expect(await throttle.hitAll(hits, t0 + 1000)).toEqual([
        { count: 1, windowStart: t0 + 1000 },
        { count: 2, windowStart: t0 },
      ]);
      const results = await Promise.all(Array.from({ length: 30 }, () => throttle.hitAll(hits, t0 + 1500)));
      expect(results.map((r) => r[0].count).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 2));
      expect(results.map((r) => r[1].count).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 3));
    });

    test('settle resets one key and takes one attempt back from another; a reset key opens a new window', async () => {
      const account = `k:${randomUUID()}`;
      const address = `k:${randomUUID()}`;
      const t0 = 1_700_000_000_000;
      for (let i = 0; i < 3; i += 1)
        await throttle.hitAll(
          [
            { key: account, windowMs: 60_000 },
            { key: address, windowMs: 60_000 },
          ],
          t0,
        );
      await throttle.settle(account, address);
      expect((await throttle.peek(account))?.count ?? 0).toBe(0);
      expect(await throttle.peek(address)).toEqual({ count: 2, windowStart: t0 });
      expect(await throttle.hit(account, 60_000, t0 + 5000)).toEqual({ count: 1, windowStart: t0 + 5000 });
      // Never below zero, and a missing key is harmless.
      const empty = `k:${randomUUID()}`;
      await throttle.hit(empty, 60_000, t0);
      await throttle.settle(`k:${randomUUID()}`, empty);
      await throttle.settle(`k:${randomUUID()}`, empty);
      expect(await throttle.peek(empty)).toEqual({ count: 0, windowStart: t0 });
    });

    test('sign-ins of one account from one address, counted and settled at once, never deadlock and lose no count', async () => {
      // Two people sharing a login from one school's address: one's success settles both counters while the other's
      // attempt counts both. Were the two statements to take the rows' locks in different orders, PostgreSQL would end
      // one of them as a deadlock (after its one-second deadlock_timeout).
      const account = `k:account:${randomUUID()}`;
      const address = `k:address:${randomUUID()}`;
      const now = Date.now();
      const hits = [
        { key: account, windowMs: 60_000 },
        { key: address, windowMs: 60_000 },
      ];
      // The address's counter was written first, as a school's is, long before this account's.
      await throttle.hit(address, 60_000, now);
      await throttle.hit(account, 60_000, now);
      const rounds = 60;
      const outcomes = await Promise.allSettled(Array.from({ length: rounds }, (_, i) => (i % 2 === 0 ? throttle.hitAll(hits, now) : throttle.settle(address, account))));
      expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);
      // Each settle took one attempt back from the account, never below zero: at most the 31 attempts counted remain.
      expect((await throttle.peek(account))!.count).toBeLessThanOrEqual(rounds / 2 + 1);
    });
  });

  describe('prepared queries', () => {
    test("one compiled query runs with each call's values, named values used twice, and its constants", async () => {
      const insert = prepared(store.db, ['id', 'at', 'data'], (p) =>
        store.db.insertInto('audit_events').values({ id: p.id, at: p.at, type: 'prepared.test', actor_id: null, subject_id: p.id, ip: null, data: p.data }),
      );
      const byId = prepared(store.db, ['id'], (p) => store.db.selectFrom('audit_events').select(['at', 'type', 'subject_id', 'data']).where('id', '=', p.id));
      const ids = [randomUUID(), randomUUID()];
      await insert({ id: ids[0], at: 1, data: '{"n":1}' });
      await insert({ id: ids[1], at: 2, data: '{"n":2}' });
      expect((await byId({ id: ids[0] })).rows).toEqual([{ at: 1, type: 'prepared.test', subject_id: ids[0], data: '{"n":1}' }]);
      expect((await byId({ id: ids[1] })).rows).toEqual([{ at: 2, type: 'prepared.test', subject_id: ids[1], data: '{"n":2}' }]);
      expect((await byId({ id: randomUUID() })).rows).toEqual([]);
    });
  });

  describe('flows', () => {
    let flows: SqlFlowStore;
    beforeAll(() => {
      flows = new SqlFlowStore(store.db);
    });

    test('create and get round-trip the context', async () => {
      const id = randomUUID();
      const expiresAt = Date.now() + 60_000;
      const context = { username: 'S0100001', nested: { list: [1, 'two', null] }, accent: 'é' };
      const created = await flows.create({ id, kind: 'login', step: 'username', context, expiresAt, browserKey: null });
      expect(created).toEqual({ id, kind: 'login', step: 'username', context, expiresAt, version: 0, browserKey: null });
      const got = await flows.get<typeof context>(id);
      expect(got).toEqual({ id, kind: 'login', step: 'username', context, expiresAt, version: 0, browserKey: null });
      const bound = randomUUID();
      await flows.create({ id: bound, kind: 'claim', step: 'identify', context: {}, expiresAt, browserKey: 'digest-of-the-browser-secret' });
      expect(await flows.get(bound)).toMatchObject({ browserKey: 'digest-of-the-browser-secret' });
      expect(typeof got?.version).toBe('number');
      expect(typeof got?.expiresAt).toBe('number');
      expect(await flows.get(randomUUID())).toBeUndefined();
    });

    test('an expired flow is not returned', async () => {
      const id = randomUUID();
      await flows.create({ id, kind: 'login', step: 'username', context: {}, expiresAt: Date.now() - 1, browserKey: null });
      expect(await flows.get(id)).toBeUndefined();
    });

    test('put creates a flow, replaces an open one keeping its expiry, and restarts an expired one', async () => {
      const id = randomUUID();
      const first = Date.now() + 60_000;
      await flows.put({ id, kind: 'login', step: 'password', context: { username: 'a' }, expiresAt: first, browserKey: null });
      expect(await flows.get(id)).toEqual({ id, kind: 'login', step: 'password', context: { username: 'a' }, expiresAt: first, version: 0, browserKey: null });
      await flows.put({ id, kind: 'login', step: 'password', context: { username: 'b' }, expiresAt: first + 5000, browserKey: null });
      expect(await flows.get(id)).toEqual({ id, kind: 'login', step: 'password', context: { username: 'b' }, expiresAt: first, version: 1, browserKey: null });

      const stale = randomUUID();
      await flows.create({ id: stale, kind: 'login', step: 'password', context: { username: 'old' }, expiresAt: Date.now() - 1, browserKey: null });
      await flows.put({ id: stale, kind: 'login', step: 'password', context: { username: 'new' }, expiresAt: first, browserKey: null });
      expect(await flows.get(stale)).toEqual({ id: stale, kind: 'login', step: 'password', context: { username: 'new' }, expiresAt: first, version: 0, browserKey: null });
    });

    test('update succeeds with the current version; a stale version returns false and writes nothing', async () => {
      const id = randomUUID();
      const expiresAt = Date.now() + 60_000;
      await flows.create({ id, kind: 'claim', step: 'identify', context: { n: 0 }, expiresAt, browserKey: null });
      expect(await flows.update(id, 0, 'challenge', { n: 1 })).toBe(true);
      expect(await flows.get(id)).toMatchObject({ step: 'challenge', context: { n: 1 }, version: 1 });

      // A second tab still holding version 0.
      expect(await flows.update(id, 0, 'identify', { n: 99 })).toBe(false);
      expect(await flows.get(id)).toMatchObject({ step: 'challenge', context: { n: 1 }, version: 1 });

      expect(await flows.update(id, 1, 'set-password', { n: 2 })).toBe(true);
      expect(await flows.get(id)).toMatchObject({ step: 'set-password', context: { n: 2 }, version: 2 });
      expect(await flows.update(randomUUID(), 0, 'x', {})).toBe(false);

      // A new expiry, when given, is written with the step (a completed flow is kept only briefly).
      const soon = Date.now() + 5_000;
      expect(await flows.update(id, 2, 'done', { n: 3 }, soon)).toBe(true);
      expect(await flows.get(id)).toMatchObject({ step: 'done', version: 3, expiresAt: soon });
    });

    test('concurrent updates from the same version: exactly one wins', async () => {
      const id = randomUUID();
      await flows.create({ id, kind: 'login', step: 'a', context: {}, expiresAt: Date.now() + 60_000, browserKey: null });
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => flows.update(id, 0, `step-${i}`, { i })));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await flows.get(id)).toMatchObject({ step: `step-${winner}`, context: { i: winner }, version: 1 });
    });

    test('remove and purgeExpired delete what they should', async () => {
      await flows.purgeExpired(Date.now() + 365 * 86_400_000); // start from an empty table
      const now = Date.now();
      const live = randomUUID();
      const removed = randomUUID();
      await flows.create({ id: live, kind: 'login', step: 's', context: {}, expiresAt: now + 60_000, browserKey: null });
      await flows.create({ id: removed, kind: 'login', step: 's', context: {}, expiresAt: now + 60_000, browserKey: null });
      await flows.create({ id: randomUUID(), kind: 'login', step: 's', context: {}, expiresAt: now - 10, browserKey: null });
      await flows.create({ id: randomUUID(), kind: 'login', step: 's', context: {}, expiresAt: now - 20_000, browserKey: null });
      await flows.remove(removed);
      expect(await flows.get(removed)).toBeUndefined();
      const purged = await flows.purgeExpired(now);
      expect(purged).toBe(2);
      expect(await flows.get(live)).toBeDefined();
      const left = await store.db.selectFrom('flows').select('id').execute();
      expect(left.map((r) => r.id)).toEqual([live]);
    });
  });

  describe('secrets', () => {
    test('getOrCreate: concurrent first calls agree on one value, later calls return it', async () => {
      const secrets = new SqlSecrets(store.db);
      const name = `secret-${randomUUID()}`;
      let made = 0;
      const values = await Promise.all(
        Array.from({ length: 20 }, () =>
          secrets.getOrCreate(name, () => {
            made += 1;
            return `value-${made}-${randomUUID()}`;
          }),
        ),
      );
      expect(new Set(values).size).toBe(1);
      expect(values[0]).toMatch(/^value-\d+-/);
      expect(await secrets.getOrCreate(name, () => 'another')).toBe(values[0]);
      const rows = await store.db.selectFrom('secrets').select('value').where('name', '=', name).execute();
      expect(rows).toEqual([{ value: values[0] }]);
    });
  });

  describe('signing keys', () => {
    test('concurrent insertIfNone calls on an empty table agree on one key', async () => {
      await store.db.deleteFrom('signing_keys').execute();
      const keys = new SqlSigningKeys(store.db, store.engine);
      await Promise.all(Array.from({ length: 6 }, (_, i) => keys.insertIfNone(`first-${i}`, { kty: 'RSA', n: `n${i}` })));
      const all = await keys.all();
      expect(all).toHaveLength(1);
      expect(all[0].kid).toMatch(/^first-\d$/);
      expect(all[0].retiredAt).toBeNull();
    });

    test('insertIfNone, add (newest first), retireAllBut retires the previous key once, prune removes old retired keys', async () => {
      await store.db.deleteFrom('signing_keys').execute();
      const keys = new SqlSigningKeys(store.db, store.engine);
      const t0 = 1_700_000_000_000;
      await keys.insertIfNone('k1', { kty: 'RSA', n: 'n1' }, t0);
      await keys.insertIfNone('k-ignored', { kty: 'RSA', n: 'x' }, t0 + 1);
      expect(await keys.all()).toEqual([{ kid: 'k1', jwk: { kty: 'RSA', n: 'n1' }, createdAt: t0, retiredAt: null }]);

      // A rotation: the new key is added, and becomes the signing key when the others are retired.
      await keys.add('k2', { kty: 'RSA', n: 'n2' }, t0 + 1000);
      expect((await keys.all()).map((k) => [k.kid, k.retiredAt])).toEqual([
        ['k2', null],
        ['k1', null],
      ]);
      await keys.retireAllBut('k2', t0 + 1500);
      expect(await keys.all()).toEqual([
        { kid: 'k2', jwk: { kty: 'RSA', n: 'n2' }, createdAt: t0 + 1000, retiredAt: null },
        { kid: 'k1', jwk: { kty: 'RSA', n: 'n1' }, createdAt: t0, retiredAt: t0 + 1500 },
      ]);

      await keys.add('k3', { kty: 'RSA', n: 'n3' }, t0 + 2000);
      await keys.retireAllBut('k3', t0 + 2500);
      const all = await keys.all();
      expect(all.map((k) => [k.kid, k.retiredAt])).toEqual([
        ['k3', null],
        ['k2', t0 + 2500],
        ['k1', t0 + 1500], // already retired: its retirement time is kept
      ]);
      expect(all.filter((k) => k.retiredAt === null)).toHaveLength(1);
      await expectUniqueViolation(keys.add('k3', { kty: 'RSA', n: 'dup' }, t0 + 3000));

      expect(await keys.prune(t0 + 2000)).toBe(1);
      expect((await keys.all()).map((k) => k.kid)).toEqual(['k3', 'k2']);
      expect(await keys.prune(t0 + 2000)).toBe(0);
    });
  });

  describe('OIDC adapter', () => {
    let Adapter: ReturnType<typeof createOidcAdapter>;
    // Apps' rows are kept a moment per process; 50 ms here, so a change made "by another server" is seen in the test.
    let clientRows: ClientRows;
    beforeAll(() => {
      clientRows = new ClientRows(store.db, 50);
      Adapter = createOidcAdapter(store.db, sealer, clientRows);
    });

    const expireNow = (kind: string, id: string) =>
      store.db
        .updateTable('oidc_payloads')
        .set({ expires_at: Date.now() - 1000 })
        .where('kind', '=', kind)
        .where('id', '=', id)
        .execute();

    test('upsert, find, upsert again (replaces), destroy', async () => {
      const sessions = new Adapter('Session');
      const id = randomUUID();
      const payload = { jti: id, kind: 'Session', accountId: 'acct-1', uid: `uid-${id}`, loginTs: 1700000000 } as AdapterPayload;
      await sessions.upsert(id, payload, 60);
      expect(await sessions.find(id)).toEqual(payload);
      // Another kind with the same id is a different record.
      expect(await new Adapter('AccessToken').find(id)).toBeUndefined();

      const changed = { ...payload, accountId: 'acct-2', extra: { a: 1 } } as AdapterPayload;
      await sessions.upsert(id, changed, 120);
      expect(await sessions.find(id)).toEqual(changed);
      const rows = await store.db.selectFrom('oidc_payloads').select(['account_id', 'expires_at']).where('id', '=', id).execute();
      expect(rows).toHaveLength(1);
      expect(rows[0].account_id).toBe('acct-2');
      expect(typeof rows[0].expires_at).toBe('number');
      expect(rows[0].expires_at! - Date.now()).toBeGreaterThan(100_000);

      await sessions.destroy(id);
      expect(await sessions.find(id)).toBeUndefined();
    });

    test('consume marks the record consumed (seconds) without removing it', async () => {
      const codes = new Adapter('AuthorizationCode');
      const id = randomUUID();
      await codes.upsert(id, { jti: id, grantId: 'g', accountId: 'a' } as AdapterPayload, 60);
      expect((await codes.find(id))?.consumed).toBeUndefined();
      const before = Math.floor(Date.now() / 1000);
      await codes.consume(id);
      const found = await codes.find(id);
      expect(typeof found?.consumed).toBe('number');
      expect(found!.consumed).toBeGreaterThanOrEqual(before);
      expect(found!.consumed).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
      expect(found?.jti).toBe(id);
    });

    test('an expired record is not returned by find, findByUid or findByUserCode; no expiry means none', async () => {
      const sessions = new Adapter('Session');
      const id = randomUUID();
      await sessions.upsert(id, { jti: id, uid: `uid-${id}` } as AdapterPayload, 60);
      expect(await sessions.findByUid(`uid-${id}`)).toBeDefined();
      await expireNow('Session', id);
      expect(await sessions.find(id)).toBeUndefined();
      expect(await sessions.findByUid(`uid-${id}`)).toBeUndefined();

      const devices = new Adapter('DeviceCode');
      const dev = randomUUID();
      await devices.upsert(dev, { jti: dev, userCode: `UC-${dev}` } as AdapterPayload, 60);
      await expireNow('DeviceCode', dev);
      expect(await devices.findByUserCode(`UC-${dev}`)).toBeUndefined();

      const forever = randomUUID();
      await sessions.upsert(forever, { jti: forever } as AdapterPayload, 0);
      expect(await sessions.find(forever)).toEqual({ jti: forever });
    });

    test('findByUid and findByUserCode look up by their column, within the kind', async () => {
      const sessions = new Adapter('Session');
      const id = randomUUID();
      await sessions.upsert(id, { jti: id, uid: `uid-${id}`, accountId: 'acct-uid' } as AdapterPayload, 60);
      expect((await sessions.findByUid(`uid-${id}`))?.jti).toBe(id);
      expect(await sessions.findByUid(`uid-${randomUUID()}`)).toBeUndefined();
      expect(await new Adapter('Interaction').findByUid(`uid-${id}`)).toBeUndefined();

      const devices = new Adapter('DeviceCode');
      const dev = randomUUID();
      await devices.upsert(dev, { jti: dev, userCode: `UC-${dev}`, grantId: 'g-dev' } as AdapterPayload, 60);
      expect((await devices.findByUserCode(`UC-${dev}`))?.jti).toBe(dev);
      expect(await devices.findByUserCode('UC-nope')).toBeUndefined();
    });

    test('revokeByGrantId removes that grant’s records of the adapter’s kind only', async () => {
      const tokens = new Adapter('AccessToken');
      const grant = `grant-${randomUUID()}`;
      const other = `grant-${randomUUID()}`;
      const [t1, t2, t3] = [randomUUID(), randomUUID(), randomUUID()];
      await tokens.upsert(t1, { jti: t1, grantId: grant } as AdapterPayload, 60);
      await tokens.upsert(t2, { jti: t2, grantId: grant } as AdapterPayload, 60);
      await tokens.upsert(t3, { jti: t3, grantId: other } as AdapterPayload, 60);
      await tokens.revokeByGrantId(grant);
      expect(await tokens.find(t1)).toBeUndefined();
      expect(await tokens.find(t2)).toBeUndefined();
      expect((await tokens.find(t3))?.grantId).toBe(other);
    });

    test('purgeExpiredOidcPayloads deletes expired records only and returns a number', async () => {
      await store.db.deleteFrom('oidc_payloads').execute();
      const sessions = new Adapter('Session');
      const [live, gone1, gone2, forever] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      await sessions.upsert(live, { jti: live } as AdapterPayload, 60);
      await sessions.upsert(gone1, { jti: gone1 } as AdapterPayload, 60);
      await sessions.upsert(gone2, { jti: gone2 } as AdapterPayload, 60);
      await sessions.upsert(forever, { jti: forever } as AdapterPayload, 0);
      await expireNow('Session', gone1);
      await expireNow('Session', gone2);
      const purged = await purgeExpiredOidcPayloads(store.db);
      expect(purged).toBe(2);
      const left = await store.db.selectFrom('oidc_payloads').select('id').orderBy('id').execute();
      expect(left.map((r) => r.id)).toEqual([live, forever].sort());
    });

    test('revokeAccountOidcState removes every record of that account, of every kind', async () => {
      const account = `acct-${randomUUID()}`;
      const bystander = `acct-${randomUUID()}`;
      const ids: string[] = [];
      for (const kind of ['Session', 'AccessToken', 'RefreshToken', 'Grant', 'AuthorizationCode']) {
        const id = randomUUID();
        ids.push(id);
        await new Adapter(kind).upsert(id, { jti: id, accountId: account } as AdapterPayload, 60);
      }
      const keep = randomUUID();
      await new Adapter('Session').upsert(keep, { jti: keep, accountId: bystander } as AdapterPayload, 60);

      expect(await revokeAccountOidcState(store.db, account)).toBe(5);
      const left = await store.db
        .selectFrom('oidc_payloads')
        .select('id')
        .where('id', 'in', [...ids, keep])
        .execute();
      expect(left.map((r) => r.id)).toEqual([keep]);
      expect(await revokeAccountOidcState(store.db, account)).toBe(0);
    });

    describe('clients', () => {
      let registry: ClientRegistry;
      beforeAll(() => {
        registry = new ClientRegistry(new SqlClientStore(store.db, sealer, clientRows));
      });

      test('Client.find reads oidc_clients and opens the sealed secret', async () => {
        const { client, clientSecret } = await registry.register({
          name: 'Library',
          redirectUris: ['https://library.example.org/callback'],
          postLogoutRedirectUris: ['https://library.example.org/'],
          portal: true,
          portalRoles: ['teacher', 'staff'],
        });
        expect(clientSecret).toEqual(expect.any(String));
        expect(clientSecret!.length).toBeGreaterThanOrEqual(32);

        const row = await store.db.selectFrom('oidc_clients').selectAll().where('client_id', '=', client.clientId).executeTakeFirstOrThrow();
        expect(row.secret_sealed).toMatch(/^v1\./);
        expect(row.secret_sealed).not.toContain(clientSecret!);
        expect(row.metadata).not.toContain(clientSecret!);

        const found = await new Adapter('Client').find(client.clientId);
        expect(found).toMatchObject({
          client_id: client.clientId,
          client_name: 'Library',
          client_secret: clientSecret,
          redirect_uris: ['https://library.example.org/callback'],
          post_logout_redirect_uris: ['https://library.example.org/'],
          token_endpoint_auth_method: 'client_secret_basic',
        });

        const record = await registry.find(client.clientId);
        expect(record).toEqual(client);
        expect(typeof record?.createdAt).toBe('number');
        expect(record?.portal).toBe(true);
        expect(record?.portalRoles).toEqual(['teacher', 'staff']);
        const ids = async (roles: Parameters<ClientRegistry['portalApps']>[0]) => (await registry.portalApps(roles)).map((c) => c.clientId);
        expect(await ids(['staff'])).toContain(client.clientId);
        expect(await ids(['student'])).not.toContain(client.clientId);
      });

      test('a public client has no secret', async () => {
        const { client, clientSecret } = await registry.register({ name: 'Pub', redirectUris: ['http://localhost:5173/cb'], public: true });
        expect(clientSecret).toBeNull();
        const found = await new Adapter('Client').find(client.clientId);
        expect(found?.token_endpoint_auth_method).toBe('none');
        expect(found).not.toHaveProperty('client_secret');
      });

      test('a disabled or unknown client is not found', async () => {
        const { client } = await registry.register({ name: 'Soon disabled', redirectUris: ['https://off.example.org/cb'] });
        expect(await new Adapter('Client').find(client.clientId)).toBeDefined();
        // Turned off by another server (or the CLI): this process sees it once its copy of the row is 50 ms old.
        await store.db.updateTable('oidc_clients').set({ enabled: 0 }).where('client_id', '=', client.clientId).execute();
        await sleep(60);
        expect(await new Adapter('Client').find(client.clientId)).toBeUndefined();
        expect((await registry.find(client.clientId))?.enabled).toBe(false);
        expect(await new Adapter('Client').find('no-such-client')).toBeUndefined();
      });

      test("this process's own changes to an app are seen at once, however long rows are kept", async () => {
        const rows = new ClientRows(store.db, 60_000);
        const here = new ClientRegistry(new SqlClientStore(store.db, sealer, rows));
        const Provider = createOidcAdapter(store.db, sealer, rows);
        const { client } = await here.register({ name: 'Kept', redirectUris: ['https://kept.example.org/cb'] });
        const before = (await new Provider('Client').find(client.clientId))!.client_secret;
        const secret = await here.rotateSecret(client.clientId);
        expect((await new Provider('Client').find(client.clientId))!.client_secret).toBe(secret);
        expect(secret).not.toBe(before);
        await here.setEnabled(client.clientId, false);
        expect(await new Provider('Client').find(client.clientId)).toBeUndefined();
        await here.setEnabled(client.clientId, true);
        await here.update(client.clientId, { name: 'Renamed', redirectUris: ['https://kept.example.org/cb'] });
        expect((await here.find(client.clientId))?.name).toBe('Renamed');
        await here.remove(client.clientId);
        expect(await new Provider('Client').find(client.clientId)).toBeUndefined();
      });

      test('register refuses unsafe redirect URIs and duplicate ids, storing nothing', async () => {
        const before = (await registry.list()).length;
        await expect(registry.register({ name: 'Bad', redirectUris: ['http://evil.example.org/cb'] })).rejects.toMatchObject({ code: 'INVALID_CLIENT' });
        await expect(registry.register({ name: 'Bad', redirectUris: ['https://*.example.org/cb'] })).rejects.toMatchObject({ code: 'INVALID_CLIENT' });
        await expect(registry.register({ name: 'Bad', redirectUris: ['https://a.example.org/cb#x'] })).rejects.toMatchObject({ code: 'INVALID_CLIENT' });
        const clientId = `fixed-${randomUUID()}`;
        await registry.register({ name: 'Fixed', clientId, redirectUris: ['https://fixed.example.org/cb'] });
        await expect(registry.register({ name: 'Fixed again', clientId, redirectUris: ['https://fixed.example.org/cb'] })).rejects.toMatchObject({
          code: 'CLIENT_EXISTS',
        });
        expect((await registry.list()).length).toBe(before + 1);
      });

      test('removing a client removes its tokens and grants, not other clients’', async () => {
        const { client } = await registry.register({ name: 'Leaving', redirectUris: ['https://leaving.example.org/cb'] });
        const { client: staying } = await registry.register({ name: 'Staying', redirectUris: ['https://staying.example.org/cb'] });
        const mine = randomUUID();
        const theirs = randomUUID();
        await new Adapter('AccessToken').upsert(mine, { jti: mine, clientId: client.clientId } as AdapterPayload, 60);
        await new Adapter('AccessToken').upsert(theirs, { jti: theirs, clientId: staying.clientId } as AdapterPayload, 60);
        expect(await registry.remove(client.clientId)).toBe(true);
        expect(await registry.find(client.clientId)).toBeNull();
        expect(await new Adapter('AccessToken').find(mine)).toBeUndefined();
        expect(await new Adapter('AccessToken').find(theirs)).toBeDefined();
        expect(await registry.remove(client.clientId)).toBe(false);
      });
    });
  });

  describe('audit log', () => {
    test('append, then recent newest first, filtered by type and subject, limited', async () => {
      const audit = new SqlAuditLog(store.db);
      const subject = `acct-${randomUUID()}`;
      const t0 = Date.now() + 10_000_000; // later than anything else in the log
      await audit.append({ type: 'login.failed', subjectId: subject, ip: '10.0.0.1', data: { reason: 'bad_password' }, at: t0 });
      await audit.append({ type: 'login.succeeded', actorId: subject, subjectId: subject, ip: '10.0.0.1', at: t0 + 1 });
      await audit.append({ type: 'login.failed', subjectId: null, ip: '10.0.0.2', data: { reason: 'unknown' }, at: t0 + 2 });

      const latest = await audit.recent({ limit: 3 });
      expect(latest.map((e) => e.at)).toEqual([t0 + 2, t0 + 1, t0]);
      expect(latest[1]).toEqual({ id: expect.any(String), at: t0 + 1, type: 'login.succeeded', actorId: subject, subjectId: subject, ip: '10.0.0.1', data: {} });

      const bySubject = await audit.recent({ subjectId: subject });
      expect(bySubject.map((e) => e.type)).toEqual(['login.succeeded', 'login.failed']);
      expect(bySubject[1].data).toEqual({ reason: 'bad_password' });

      const failed = await audit.recent({ type: 'login.failed', limit: 2 });
      expect(failed.map((e) => [e.at, e.data.reason])).toEqual([
        [t0 + 2, 'unknown'],
        [t0, 'bad_password'],
      ]);
      expect(await audit.recent({ type: 'login.failed', subjectId: subject })).toHaveLength(1);
      expect(await audit.recent({ limit: 1 })).toHaveLength(1);
    });
  });

  describe('relying-party sessions', () => {
    /** A provider session (as oidc-provider stores it) of `accountId`, under the id its browser cookie holds. */
    async function providerSession(accountId: string, ttlSeconds = 600) {
      const Adapter = createOidcAdapter(store.db, sealer, new ClientRows(store.db));
      const id = `ps-${randomUUID()}`;
      const uid = `uid-${randomUUID()}`;
      await new Adapter('Session').upsert(id, { jti: id, uid, accountId, kind: 'Session' } as AdapterPayload, ttlSeconds);
      return { id, uid, Adapter };
    }

    test('create/get, removeBySidOrSub by sid or by subject within one app, expiry', async () => {
      const rp = new SqlRpSessions(store.db);
      const sub = `acct-${randomUUID()}`;
      const browser = await providerSession(sub);
      const exp = Date.now() + 60_000;
      const base = { accountSub: sub, idToken: 'eyJ.id.token', claims: { name: 'Ana' }, expiresAt: exp };
      const s1 = { ...base, id: randomUUID(), app: 'portal', sid: 'sid-1' };
      const s2 = { ...base, id: randomUUID(), app: 'portal', sid: 'sid-2' };
      const d1 = { ...base, id: randomUUID(), app: 'demo', sid: 'sid-1' };
      for (const s of [s1, s2, d1]) expect(await rp.create(s, browser.id)).toBe(true);

      expect(await rp.get('portal', s1.id, browser.id)).toEqual(s1);
      expect(await rp.get('demo', s1.id, browser.id)).toBeUndefined();

      expect(await rp.removeBySidOrSub('portal', undefined, undefined)).toBe(0);
      expect(await rp.removeBySidOrSub('portal', 'sid-1', undefined)).toBe(1);
      expect(await rp.get('portal', s1.id, browser.id)).toBeUndefined();
      expect(await rp.get('portal', s2.id, browser.id)).toEqual(s2);
      expect(await rp.get('demo', d1.id, browser.id)).toEqual(d1);

      // The sid wins over the subject when both are given.
      expect(await rp.removeBySidOrSub('portal', 'sid-none', sub)).toBe(0);
      expect(await rp.removeBySidOrSub('portal', undefined, sub)).toBe(1);
      expect(await rp.get('portal', s2.id, browser.id)).toBeUndefined();
      expect(await rp.get('demo', d1.id, browser.id)).toEqual(d1);

      const old = { ...base, id: randomUUID(), app: 'demo', sid: null, expiresAt: Date.now() - 1 };
      await rp.create(old, browser.id);
      expect(await rp.get('demo', old.id, browser.id)).toBeUndefined();
      expect(await rp.removeByAccount(sub)).toBe(2);
    });

    test('an app session lives only with the provider session it was signed in through, presented by the browser', async () => {
      const rp = new SqlRpSessions(store.db);
      const sub = `acct-${randomUUID()}`;
      const browser = await providerSession(sub);
      const session = { id: randomUUID(), app: 'portal', accountSub: sub, sid: 's', idToken: 'eyJ.id.token', claims: {}, expiresAt: Date.now() + 60_000 };

      // Not bound to a missing session, nor to another account's.
      expect(await rp.create(session, 'no-such-session')).toBe(false);
      const other = await providerSession(`acct-${randomUUID()}`);
      expect(await rp.create(session, other.id)).toBe(false);
      expect(await rp.create(session, browser.id)).toBe(true);
      expect(await rp.get('portal', session.id, browser.id)).toEqual(session);
      // Another browser's provider session (even of the same account) does not carry it.
      const second = await providerSession(sub);
      expect(await rp.get('portal', session.id, second.id)).toBeUndefined();

      // The provider renews its session id (same uid, as oidc-provider's resetIdentifier does): still carried.
      const renamed = `ps-${randomUUID()}`;
      await new browser.Adapter('Session').destroy(browser.id);
      await new browser.Adapter('Session').upsert(renamed, { jti: renamed, uid: browser.uid, accountId: sub, kind: 'Session' } as AdapterPayload, 600);
      expect(await rp.get('portal', session.id, renamed)).toEqual(session);
      expect(await rp.get('portal', session.id, browser.id)).toBeUndefined();

      // The provider session expires: the app session ends with it, and the purge removes its row.
      await store.db
        .updateTable('oidc_payloads')
        .set({ expires_at: Date.now() - 1 })
        .where('kind', '=', 'Session')
        .where('id', '=', renamed)
        .execute();
      expect(await rp.get('portal', session.id, renamed)).toBeUndefined();
      const kept = { ...session, id: randomUUID() };
      expect(await rp.create(kept, second.id)).toBe(true);
      await rp.purgeExpired();
      const left = await store.db.selectFrom('rp_sessions').select('id').where('account_sub', '=', sub).execute();
      expect(left.map((r) => r.id)).toEqual([kept.id]);
    });
  });

  describe('lockout report', () => {
    test('lists the accounts under failed attempts now, locked first, with where the attempts came from', async () => {
      // A database of its own: the report reads every counter.
      const own = await migratedStore(engine);
      try {
        const db = own.store.db;
        const accounts = new SqlAccountStore(db);
        const throttle = new SqlThrottleStore(db, own.store.engine);
        const audit = new SqlAuditLog(db);
        const report = new LockoutReport(new SqlLockoutStore(db, own.store.engine), () => ({ login: { limit: 4, window: 900 }, recovery: { limit: 3, window: 86400 } }));
        const now = Date.now();
        const admin = await accounts.create(newAccount({ username: 'Admin', givenName: 'Dana', familyName: 'Okafor', roles: ['admin', 'staff'], passwordHash: 'h' }));
        const student = await accounts.create(newAccount({ username: 'S0777001', givenName: 'Léa', familyName: 'Côté' }));
        expect(await report.targeted(now)).toEqual([]);

        /** One counted attempt, recorded as the domain does: the counter, then its audit event. */
        async function failed(flow: 'login' | 'recovery', username: string, ip: string, at: number, extra: Record<string, unknown> = {}, type = `${flow}.failed`) {
          const windowMs = flow === 'login' ? 900_000 : 86_400_000;
          if (!extra.device) await throttle.hit(`${flow}:account:${username}`, windowMs, at);
          await audit.append({ type, ip, at, data: { username, ...extra } });
        }
        // An earlier window of the admin's counter, long over: neither counted nor listed.
        await failed('login', 'admin', '192.0.2.1', now - 3_600_000);
        for (let i = 0; i < 3; i += 1) await failed('login', 'admin', '203.0.113.5', now - 60_000 + i);
        await failed('login', 'admin', '198.51.100.9', now - 30_000);
        await failed('login', 'admin', '203.0.113.5', now - 20_000, {}, 'login.throttled');
        // The admin's own typo on a trusted browser: not the attacker's, not in the account's count.
        await failed('login', 'admin', '192.0.2.44', now - 10_000, { device: 'trusted' });
        await failed('login', 'nobody-here', '203.0.113.5', now - 5_000);
        await failed('recovery', 's0777001', '198.51.100.9', now - 3_600_000);
        await failed('recovery', 's0777001', '198.51.100.9', now - 1_000);

        const targeted = await report.targeted(now);
        expect(targeted).toEqual([
          {
            flow: 'login',
            username: 'admin',
            account: { id: admin.id, username: 'Admin', name: 'Dana Okafor', roles: ['admin', 'staff'], claimed: true, active: true },
            failures: 5,
            limit: 4,
            locked: true,
            windowStart: now - 60_000,
            until: now - 60_000 + 900_000,
            addresses: [
              { ip: '203.0.113.5', attempts: 4, lastAt: now - 20_000 },
              { ip: '198.51.100.9', attempts: 1, lastAt: now - 30_000 },
            ],
          },
          {
            flow: 'recovery',
            username: 's0777001',
            account: { id: student.id, username: 'S0777001', name: 'Léa Côté', roles: ['student'], claimed: false, active: true },
            failures: 2,
            limit: 3,
            locked: false,
            windowStart: now - 3_600_000,
            until: now - 3_600_000 + 86_400_000,
            addresses: [{ ip: '198.51.100.9', attempts: 2, lastAt: now - 1_000 }],
          },
          {
            flow: 'login',
            username: 'nobody-here',
            account: null,
            failures: 1,
            limit: 4,
            locked: false,
            windowStart: now - 5_000,
            until: now - 5_000 + 900_000,
            addresses: [{ ip: '203.0.113.5', attempts: 1, lastAt: now - 5_000 }],
          },
        ]);
        // Once a window is over, its counter is no longer listed.
        expect((await report.targeted(now + 901_000)).map((t) => t.username)).toEqual(['s0777001']);
      } finally {
        await own.close();
      }
    });
  });

  describe('numbers come back as numbers', () => {
    test('bigint columns and counts are JavaScript numbers', async () => {
      const accounts = new SqlAccountStore(store.db);
      const account = await accounts.create(newAccount({ passwordHash: 'h' }));
      const row = await store.db
        .selectFrom('accounts')
        .select(['created_at', 'updated_at', 'password_changed_at', 'claimed_at'])
        .where('id', '=', account.id)
        .executeTakeFirstOrThrow();
      for (const value of Object.values(row)) expect(typeof value).toBe('number');
      expect(Number.isSafeInteger(row.created_at)).toBe(true);

      const counted = await store.db
        .selectFrom('accounts')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      expect(typeof counted.n).toBe('number');
      expect(counted.n).toBe(await accounts.count());

      const flows = new SqlFlowStore(store.db);
      expect(typeof (await flows.purgeExpired())).toBe('number');
      expect(typeof (await purgeExpiredOidcPayloads(store.db))).toBe('number');
      expect(typeof (await revokeAccountOidcState(store.db, 'nobody'))).toBe('number');

      const throttle = new SqlThrottleStore(store.db, store.engine);
      const hit = await throttle.hit(`n:${randomUUID()}`, 1000, Date.now());
      expect(typeof hit.count).toBe('number');
      expect(typeof hit.windowStart).toBe('number');
    });
  });
});
