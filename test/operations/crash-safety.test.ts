import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { sql } from 'kysely';
import { CLAIM_ANSWERS, startClaim } from '../helpers/claim.js';
import { crashWorkspace, type CrashWorkspace } from '../helpers/crash-workspace.js';
import { generateDistrict, materialize, writeRoster, type Row } from '../helpers/oneroster-generator.js';
import { ENGINES } from '../helpers/server.js';
import { signIn, WebClient, type Page } from '../helpers/web-client.js';

/**
 * The server killed with `kill -9` while it writes what a family or the help desk just confirmed, and a roster
 * import killed in each of its phases. After each kill, the database holds the state before or the state after,
 * never something between: no account half-claimed, half-reset or half-imported. Then the person presses the button
 * again, as they would, and gets a page, not an error. The kill lands at a different moment each round.
 */
const ROUNDS = 4;

/**
 * When to kill, as a share of how long the same submit took when it ran to the end, measured on the retry of an
 * earlier round. That retry runs on a server just started, slower than a warm one, so the shares are small: at once,
 * then while the hashes run, then around the write.
 */
const KILL_AT = [0, 0.2, 0.35, 0.5];

/** How long the submit that does the write takes here, learnt from the retries that did it. */
class KillTiming {
  private typicalMs = 0;
  delay(round: number): number {
    return Math.round(this.typicalMs * KILL_AT[round % KILL_AT.length]);
  }
  async measure<T>(didTheWrite: boolean, submit: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await submit();
    if (didTheWrite) this.typicalMs = performance.now() - started;
    return result;
  }
}

/**
 * Sends the form and kills the server `delayMs` later; the answer may never come. `resend` posts the same form again,
 * as a person does who presses the button once more, or goes back and does.
 */
async function submitAndKill(workspace: CrashWorkspace, browser: WebClient, action: string, values: Record<string, string>, delayMs: number) {
  const form = browser.form(action);
  const body = new URLSearchParams({ ...form.fields, ...values }).toString();
  const resend = () => browser.request(form.action, { method: 'POST', body });
  const sent = resend().then(
    (page) => page,
    () => null,
  );
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  await workspace.kill();
  return { answered: await sent, resend };
}

describe.each(ENGINES)('kill -9 during the writes that matter (%s)', (engine) => {
  let workspace: CrashWorkspace;
  beforeAll(async () => {
    workspace = await crashWorkspace(engine, { demo: true });
    await workspace.start();
  }, 180_000);
  afterAll(() => workspace?.close());

  const db = () => workspace.store.db;
  const accountId = async (username: string) => (await db().selectFrom('accounts').select('id').where('username', '=', username).executeTakeFirstOrThrow()).id;

  /** What claim, recovery and reset write about an account, read straight from the database. */
  async function credentials(id: string) {
    const account = await db().selectFrom('accounts').select(['password_hash', 'claimed_at', 'password_changed_at']).where('id', '=', id).executeTakeFirstOrThrow();
    const answers = await db()
      .selectFrom('challenge_answers')
      .select(['position', 'question_id', 'answer_hash', 'created_at'])
      .where('account_id', '=', id)
      .orderBy('position')
      .execute();
    const history = await db().selectFrom('password_history').select('password_hash').where('account_id', '=', id).execute();
    return { ...account, answers, history: history.map((h) => h.password_hash) };
  }

  /** Either nothing of a claim, or all of it: a password kept in the history, a claim date and three answers. */
  function expectWholeOrNoClaim(state: Awaited<ReturnType<typeof credentials>>) {
    const claimed = state.claimed_at !== null;
    expect({
      claimed,
      password: state.password_hash !== null,
      answers: state.answers.length,
      inHistory: state.password_hash ? state.history.includes(state.password_hash) : claimed,
    }).toEqual({ claimed, password: claimed, answers: claimed ? 3 : 0, inHistory: claimed });
  }

  test('claiming: the account is claimed whole or not at all, and pressing the button again finishes it', async () => {
    const lea = await accountId('S0100003');
    const outcomes: string[] = [];
    const timing = new KillTiming();
    for (let round = 0; round < ROUNDS; round += 1) {
      const delay = timing.delay(round);
      const family = new WebClient();
      await startClaim(family, workspace.url, { familyName: 'Côté', givenName: 'Léa', studentId: '100003' });
      const password = `Maple-Crash-${engine}-${round}-Kiwi`;
      await family.submit('/password', { password, confirm: password });
      const { answered, resend } = await submitAndKill(workspace, family, '/questions', CLAIM_ANSWERS, delay);

      const after = await credentials(lea);
      expectWholeOrNoClaim(after);
      outcomes.push(`${delay} ms: ${after.claimed_at === null ? 'not claimed' : answered ? 'claimed, answered' : 'claimed, no answer'}`);

      await workspace.start();
      const again: Page = await timing.measure(after.claimed_at === null, resend);
      expect(again.status).toBeLessThan(500);
      expect(again.html).toMatch(/The account is ready|has already been claimed/);
      const final = await credentials(lea);
      expectWholeOrNoClaim(final);
      expect(final.claimed_at).not.toBeNull();

      if (round < ROUNDS - 1) {
        // Unclaimed again for the next round, as an approved reset leaves it (the old passwords stay in the history).
        await db().deleteFrom('challenge_answers').where('account_id', '=', lea).execute();
        await db().updateTable('accounts').set({ password_hash: null, claimed_at: null, password_changed_at: null }).where('id', '=', lea).execute();
      } else {
        const page = await signIn(new WebClient(), `${workspace.url}/`, 'S0100003', password);
        expect(page.html).toContain('Hello, Léa');
      }
    }
    expect(outcomes).toHaveLength(ROUNDS);
    process.stderr.write(`claim kill outcomes (${engine}): ${outcomes.join('; ')}\n`);
  }, 600_000);

  test('recovering a password: the old password or the new one, never a password without its history', async () => {
    const lea = await accountId('S0100003');
    expect((await credentials(lea)).claimed_at).not.toBeNull(); // claimed by the test above
    let current = (await credentials(lea)).password_hash!;
    let password = '';
    const outcomes: string[] = [];
    const timing = new KillTiming();
    for (let round = 0; round < ROUNDS; round += 1) {
      const delay = timing.delay(round);
      const family = new WebClient();
      await family.get(`${workspace.url}/recover`);
      await family.submit('/username', { username: 'S0100003' });
      await family.submit('/answers', { answer1: CLAIM_ANSWERS.answer1, answer2: CLAIM_ANSWERS.answer2, answer3: CLAIM_ANSWERS.answer3 });
      password = `Maple-Recover-${engine}-${round}-Plum`;
      const { resend } = await submitAndKill(workspace, family, '/password', { password, confirm: password }, delay);

      const after = await credentials(lea);
      expectWholeOrNoClaim(after);
      if (after.password_hash !== current) expect(after.history).toContain(after.password_hash);
      outcomes.push(`${delay} ms: ${after.password_hash === current ? 'unchanged' : 'changed'}`);

      await workspace.start();
      const again = await timing.measure(after.password_hash === current, resend);
      expect(again.status).toBeLessThan(500);
      const final = await credentials(lea);
      expectWholeOrNoClaim(final);
      expect(final.history).toContain(final.password_hash);
      current = final.password_hash!;
    }
    process.stderr.write(`recovery kill outcomes (${engine}): ${outcomes.join('; ')}\n`);
    // Whatever the round's kill did, the password the family typed last is the one that signs in.
    const page = await signIn(new WebClient(), `${workspace.url}/`, 'S0100003', password);
    expect(page.html).toContain('Hello, Léa');
  }, 600_000);

  test('approving a reset ticket: the ticket is approved and the account reset together, or neither', async () => {
    const noah = await accountId('S0100002');
    const before = await credentials(noah);
    expect(before.claimed_at).not.toBeNull();
    const outcomes: string[] = [];
    const timing = new KillTiming();
    for (let round = 0; round < ROUNDS; round += 1) {
      const delay = timing.delay(round);
      const teacher = new WebClient();
      await signIn(teacher, `${workspace.url}/staff`, 'mrivera', 'Teach-Lakeside-2026');
      await teacher.get(`${workspace.url}/staff/students/${noah}/reset`);
      expect((await teacher.submit('/staff/tickets', { reason: 'Forgot the challenge answers' })).html).toContain('Waiting for the help desk');
      const desk = new WebClient();
      await signIn(desk, `${workspace.url}/helpdesk`, 'helpdesk', 'Helpdesk-Maple-2026');
      const queue = await desk.get(`${workspace.url}/helpdesk`);
      const ticket = /name="ticket" value="([^"]+)"/.exec(queue.html)![1];
      const { resend } = await submitAndKill(workspace, desk, '/helpdesk/approve', { ticket }, delay);

      const status = (await db().selectFrom('reset_tickets').select('status').where('id', '=', ticket).executeTakeFirstOrThrow()).status;
      const after = await credentials(noah);
      const reset = after.claimed_at === null && after.password_hash === null && after.answers.length === 0;
      const untouched = after.claimed_at === before.claimed_at && after.password_hash === before.password_hash && after.answers.length === before.answers.length;
      expect({ status, reset, untouched }).toEqual(status === 'approved' ? { status, reset: true, untouched: false } : { status: 'open', reset: false, untouched: true });

      outcomes.push(`${delay} ms: ${status}`);

      await workspace.start();
      const again = await timing.measure(status === 'open', resend);
      expect(again.status).toBeLessThan(500);
      expect(again.html).toMatch(/1 approved, 0 no longer open\.|0 approved, 1 no longer open\./);
      expect((await db().selectFrom('reset_tickets').select('status').where('id', '=', ticket).executeTakeFirstOrThrow()).status).toBe('approved');
      expect((await credentials(noah)).claimed_at).toBeNull();

      // Noah's account as it was, for the next round.
      await db()
        .updateTable('accounts')
        .set({ password_hash: before.password_hash, claimed_at: before.claimed_at, password_changed_at: before.password_changed_at })
        .where('id', '=', noah)
        .execute();
      if (before.answers.length)
        await db()
          .insertInto('challenge_answers')
          .values(before.answers.map((a) => ({ ...a, account_id: noah })))
          .execute();
    }
    process.stderr.write(`reset kill outcomes (${engine}): ${outcomes.join('; ')}\n`);
  }, 600_000);
});

describe.each(ENGINES)('kill -9 of a roster import (%s)', (engine) => {
  let workspace: CrashWorkspace;
  beforeAll(async () => {
    workspace = await crashWorkspace(engine, { demo: false });
    expect((await workspace.command(['migrate'])).code).toBe(0);
  }, 120_000);
  afterAll(() => workspace?.close());

  /** What an import writes, as one fingerprint: every account's name and status, every roster row count. */
  async function rosterState(): Promise<string> {
    const db = workspace.store.db;
    const accounts = await db.selectFrom('accounts').select(['username', 'given_name', 'family_name', 'status']).orderBy('username').execute();
    const counts: Record<string, number> = {};
    for (const table of ['roster_users', 'roster_classes', 'roster_enrollments', 'account_roles', 'account_schools'] as const) {
      counts[table] = Number(
        (
          await db
            .selectFrom(table)
            .select(sql<number>`count(*)`.as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    }
    return createHash('sha256').update(JSON.stringify({ accounts, counts })).digest('hex').slice(0, 16) + ` (${accounts.length} accounts)`;
  }

  test('killed in any phase, the database keeps the previous roster whole; the next import applies and marks the dead run interrupted', async () => {
    const model = materialize(generateDistrict({ students: 1200, staff: 50, schools: 3, enrollmentsPerStudent: 4, seed: 11 }));
    const first = await writeRoster(model, {}, { dir: join(workspace.dir, 'first') });
    // The same district a week later: 120 students renamed in the SIS.
    const renamed: Row[] = model.users.map((u, i) => (i % 10 === 0 && u.role === 'student' ? { ...u, familyName: `${u.familyName}-Okoro` } : u));
    const second = await writeRoster({ ...model, users: renamed }, {}, { dir: join(workspace.dir, 'second') });

    const killPoints: [RegExp, number][] = [
      [/loading the current roster/, 0],
      [/applying users\.csv/, 0],
      [/applying enrollments\.csv/, 0],
      [/applying enrollments\.csv/, 300],
    ];
    let killedRuns = 0;
    for (const [roster, label] of [
      [first, 'first import'],
      [second, 'changes'],
    ] as const) {
      const before = await rosterState();
      const states = new Set<string>();
      for (const [pattern, delay] of killPoints) {
        const run = await workspace.command(['roster', 'import', roster, '--json'], pattern, delay);
        if (run.killed) killedRuns += 1;
        else expect({ label, code: run.code, output: run.output.slice(-2000) }).toMatchObject({ label, code: 0 });
        states.add(await rosterState());
      }
      const applied = await workspace.command(['roster', 'import', roster, '--json']);
      expect({ label, code: applied.code, output: applied.output.slice(-2000) }).toMatchObject({ label, code: 0 });
      const after = await rosterState();
      expect(before).not.toBe(after);
      // Every killed run left the previous roster or, killed after its commit, the new one: nothing in between.
      for (const state of states) expect([before, after]).toContain(state);
    }
    // The kills landed while the imports ran (not after they ended), and the next import recorded the dead runs.
    expect(killedRuns).toBeGreaterThanOrEqual(5);
    const runs = await workspace.store.db.selectFrom('roster_runs').select('status').execute();
    expect(runs.filter((r) => r.status === 'running')).toEqual([]);
    expect(runs.filter((r) => r.status === 'interrupted').length).toBeGreaterThan(0);
  }, 900_000);
});
