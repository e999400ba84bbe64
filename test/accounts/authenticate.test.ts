import bcrypt from 'bcryptjs';
import { randomBytes } from 'node:crypto';
import { Authenticator, type LoginLimits } from '../../src/accounts/authenticate.js';
import { usernameKey } from '../../src/accounts/account.js';
import { PasswordHasher } from '../../src/accounts/passwords.js';
import type { DomainEvent } from '../../src/events/bus.js';
import { SqlAccountStore } from '../../src/store/accounts-repo.js';
import { SqlThrottleStore } from '../../src/store/throttle-repo.js';
import { Throttle } from '../../src/throttle/throttle.js';
import { CHEAP_HASH, collectingBus, migratedStore, newAccount, type MigratedStore } from '../helpers/factories.js';
import { ENGINES } from '../helpers/server.js';

/** Counts verifications, so a test can tell whether the password was looked at. */
class CountingHasher extends PasswordHasher {
  verifications = 0;
  override async verify(stored: string, password: string): Promise<boolean> {
    this.verifications += 1;
    return super.verify(stored, password);
  }
}

let ipCounter = 0;
/** A client address no other test uses, so address counters never leak between tests. */
const freshIp = () => `198.51.100.${(ipCounter += 1)}`;

const PASSWORD = 'Maple-Leaf-2026!';

describe.each(ENGINES)('Authenticator (%s)', (engine) => {
  let fixture: MigratedStore;
  let accounts: SqlAccountStore;
  let throttleStore: SqlThrottleStore;
  let hasher: CountingHasher;
  let limits: LoginLimits;
  let events: (DomainEvent & { at: number })[];
  let auth: Authenticator;

  beforeAll(async () => {
    fixture = await migratedStore(engine);
    accounts = new SqlAccountStore(fixture.store.db);
    throttleStore = new SqlThrottleStore(fixture.store.db, fixture.store.engine);
    hasher = new CountingHasher(CHEAP_HASH);
  });
  afterAll(() => fixture.close());

  beforeEach(() => {
    limits = { perAccount: { limit: 3, window: 900 }, perAddress: { limit: 100, window: 900 } };
    const collected = collectingBus();
    events = collected.events;
    auth = new Authenticator(accounts, hasher, new Throttle(throttleStore), () => limits, collected.bus);
    hasher.verifications = 0;
  });

  async function claimedAccount(password = PASSWORD) {
    return accounts.create(newAccount({ passwordHash: await hasher.hash(password) }));
  }

  const accountCounter = (username: string) => throttleStore.peek(`login:account:${usernameKey(username)}`);

  test('the right password signs in, whatever the username’s case and spacing', async () => {
    const account = await claimedAccount();
    const outcome = await auth.login(` ${account.username.toUpperCase()} `, PASSWORD, freshIp());
    expect(outcome.ok).toBe(true);
    expect(outcome.ok && outcome.account.id).toBe(account.id);
    const stored = await accounts.findById(account.id);
    expect(stored?.lastLoginAt).toBeGreaterThan(Date.now() - 60_000);
    expect(events.map((e) => e.type)).toEqual(['login.succeeded']);
    expect(events[0]).toMatchObject({ actorId: account.id, subjectId: account.id });
  });

  test('every failure reason answers ok:false and spends one verification', async () => {
    const claimed = await claimedAccount();
    const unclaimed = await accounts.create(newAccount({ passwordHash: null }));
    const disabled = await claimedAccount();
    await fixture.store.db.updateTable('accounts').set({ status: 'disabled' }).where('id', '=', disabled.id).execute();

    const cases: [string, string, string][] = [
      ['unknown', `nobody-${randomBytes(4).toString('hex')}`, PASSWORD],
      ['bad_password', claimed.username, 'Maple-Leaf-2025!'],
      ['unclaimed', unclaimed.username, PASSWORD],
      ['disabled', disabled.username, PASSWORD],
    ];
    for (const [reason, username, password] of cases) {
      hasher.verifications = 0;
      const outcome = await auth.login(username, password, freshIp());
      expect(outcome).toEqual({ ok: false, reason });
      // Unknown and unclaimed accounts cost a (dummy) verification too, so timing does not tell them apart.
      expect(hasher.verifications).toBe(1);
    }
    expect(events.map((e) => [e.type, e.data?.reason])).toEqual(cases.map(([reason]) => ['login.failed', reason]));
    expect(events.find((e) => e.data?.reason === 'unknown')?.subjectId).toBeNull();
    expect(events.find((e) => e.data?.reason === 'bad_password')?.subjectId).toBe(claimed.id);
  });

  test('per-account throttling: after the limit even the correct password is "throttled", without being checked', async () => {
    const account = await claimedAccount();
    const ips = [freshIp(), freshIp(), freshIp(), freshIp()];
    for (let i = 0; i < limits.perAccount.limit; i += 1) {
      // Different addresses: the account counter alone must trigger.
      expect(await auth.login(account.username, `wrong-${i}`, ips[i])).toEqual({ ok: false, reason: 'bad_password' });
    }
    expect(await accountCounter(account.username)).toMatchObject({ count: 3 });

    const wrong = await auth.login(account.username, 'wrong-again', ips[3]);
    expect(wrong).toMatchObject({ ok: false, reason: 'throttled' });

    hasher.verifications = 0;
    const right = await auth.login(account.username.toLowerCase(), PASSWORD, freshIp());
    expect(right.ok).toBe(false);
    expect(right).toMatchObject({ reason: 'throttled' });
    const retryAfter = (right as { retryAfter: number }).retryAfter;
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(limits.perAccount.window);
    expect(hasher.verifications).toBe(0);
    expect((await accounts.findById(account.id))?.lastLoginAt).toBeNull();

    const throttled = events.filter((e) => e.type === 'login.throttled');
    expect(throttled).toHaveLength(2);
    expect(throttled[1].data).toEqual({ username: usernameKey(account.username), scope: 'account' });
    expect(events.some((e) => e.type === 'login.succeeded')).toBe(false);
  });

  // Attempts are counted atomically before the password check, so parallel guesses cannot overrun the limit.
  test('concurrent guesses beyond the per-account limit are not verified (the limit holds under parallel attempts)', async () => {
    const account = await claimedAccount();
    const guesses = Array.from({ length: 20 }, (_, i) => (i === 19 ? PASSWORD : `wrong-${i}`));
    const outcomes = await Promise.all(guesses.map((guess) => auth.login(account.username, guess, freshIp())));
    const verified = outcomes.filter((o) => o.ok || o.reason !== 'throttled');
    expect(verified.length).toBeLessThanOrEqual(limits.perAccount.limit);
    expect(outcomes.some((o) => o.ok)).toBe(false);
    expect(hasher.verifications).toBeLessThanOrEqual(limits.perAccount.limit);
  });

  test('the account lock ends with its window', async () => {
    limits.perAccount = { limit: 2, window: 1 };
    const account = await claimedAccount();
    const ip = freshIp();
    await auth.login(account.username, 'wrong', ip);
    await auth.login(account.username, 'wrong', ip);
    expect(await auth.login(account.username, PASSWORD, ip)).toMatchObject({ reason: 'throttled', retryAfter: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await auth.login(account.username, PASSWORD, ip)).ok).toBe(true);
  });

  test('per-address throttling counts across usernames and leaves other addresses alone', async () => {
    limits.perAddress = { limit: 3, window: 900 };
    limits.perAccount = { limit: 100, window: 900 };
    const victim = await claimedAccount();
    const attacker = freshIp();
    for (let i = 0; i < 3; i += 1) {
      const outcome = await auth.login(`guess-${i}-${randomBytes(3).toString('hex')}`, 'password1', attacker);
      expect(outcome).toEqual({ ok: false, reason: 'unknown' });
    }
    const blocked = await auth.login(victim.username, PASSWORD, attacker);
    expect(blocked).toMatchObject({ ok: false, reason: 'throttled' });
    expect((blocked as { retryAfter: number }).retryAfter).toBeGreaterThan(0);
    expect(events.at(-1)).toMatchObject({ type: 'login.throttled', ip: attacker, data: { scope: 'address' } });

    const elsewhere = await auth.login(victim.username, PASSWORD, freshIp());
    expect(elsewhere.ok).toBe(true);
  });

  test('a success resets the account counter (but not the address counter)', async () => {
    const account = await claimedAccount();
    const ip = freshIp();
    await auth.login(account.username, 'wrong-1', ip);
    await auth.login(account.username, 'wrong-2', ip);
    expect(await accountCounter(account.username)).toMatchObject({ count: 2 });

    expect((await auth.login(account.username, PASSWORD, ip)).ok).toBe(true);
    expect((await accountCounter(account.username))?.count ?? 0).toBe(0);
    expect(await throttleStore.peek(`login:address:${ip}`)).toMatchObject({ count: 2 });

    // A fresh budget: two more failures are still under the limit of three.
    await auth.login(account.username, 'wrong-3', ip);
    await auth.login(account.username, 'wrong-4', ip);
    expect((await auth.login(account.username, PASSWORD, ip)).ok).toBe(true);
  });

  test('a bcrypt hash is upgraded to argon2id on a successful login', async () => {
    const legacy = bcrypt.hashSync(PASSWORD, 4);
    const account = await accounts.create(newAccount({ passwordHash: legacy }));
    expect((await auth.login(account.username, PASSWORD, freshIp())).ok).toBe(true);

    const stored = (await accounts.findById(account.id))!.passwordHash!;
    expect(stored.startsWith('$argon2id$v=19$m=8192,t=1,p=1$')).toBe(true);
    expect(await hasher.verify(stored, PASSWORD)).toBe(true);
    expect(await accounts.passwordHistory(account.id)).toEqual([stored]);
    expect(events.map((e) => e.type)).toEqual(['password.rehashed', 'login.succeeded']);

    // The next login uses the new hash and does not rehash again.
    expect((await auth.login(account.username, PASSWORD, freshIp())).ok).toBe(true);
    expect((await accounts.findById(account.id))!.passwordHash).toBe(stored);
    expect(events.filter((e) => e.type === 'password.rehashed')).toHaveLength(1);
  });

  test('a failed login with a bcrypt hash does not upgrade it', async () => {
    const legacy = bcrypt.hashSync(PASSWORD, 4);
    const account = await accounts.create(newAccount({ passwordHash: legacy }));
    expect((await auth.login(account.username, 'not-it', freshIp())).ok).toBe(false);
    expect((await accounts.findById(account.id))!.passwordHash).toBe(legacy);
  });

  test('events are emitted for each outcome and never carry the password', async () => {
    const secret = 'Unmistakable-Secret-9876';
    const account = await claimedAccount(secret);
    const ip = freshIp();
    await auth.login(account.username, secret, ip);
    await auth.login(account.username, `${secret}-wrong`, ip);
    await auth.login('no-such-user-xyz', secret, ip);
    await auth.login(account.username, `${secret}-wrong2`, ip);
    await auth.login(account.username, `${secret}-wrong3`, ip);
    await auth.login(account.username, secret, ip);

    expect(events.map((e) => e.type)).toEqual(['login.succeeded', 'login.failed', 'login.failed', 'login.failed', 'login.failed', 'login.throttled']);
    for (const event of events) {
      expect(event.ip).toBe(ip);
      expect(typeof event.at).toBe('number');
    }
    const serialized = JSON.stringify(events);
    expect(serialized).not.toContain(secret);
    expect(serialized).not.toContain('$argon2');
  });
});
