/**
 * Soak bench (`npm run bench:soak -- [--minutes 10] [--workers 6] [--postgres]`).
 *
 * Homeroom as it runs (`homeroom start`, demo district, SQLite; PostgreSQL at TEST_DATABASE_URL with --postgres)
 * under a mixed load for `--minutes`: students signing in to an app over OpenID Connect and to the portal, families
 * claiming accounts and recovering passwords, teachers on My students, the help desk's queue, administrators on the
 * console. Every sign-in is checked for a crossed session: the ID token's `preferred_username`, or the portal's
 * greeting, must be the person who typed the password. The server's resident memory is sampled all along.
 *
 * Prints per kind of visit the count and latency, the errors (target 0), the crossed sessions (target 0) and the
 * memory: after the first minute (warm), at the end, the growth and its slope. Exits 1 when an error or a crossed
 * session was seen, 2 when the bench itself could not run. The last line of output is JSON.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as oidc from 'openid-client';
import { loadConfig } from '../src/config/load.js';
import { createServices } from '../src/services.js';
import { createLogger } from '../src/shared/log.js';
import { CLAIM_ANSWERS } from '../test/helpers/claim.js';
import { CHALLENGE_ANSWERS } from '../test/helpers/claimed.js';
import { crashWorkspace, type CrashWorkspace } from '../test/helpers/crash-workspace.js';
import { signIn, WebClient } from '../test/helpers/web-client.js';
import { round, summarize } from './lib/stats.js';
import { authorizationRequest } from '../test/helpers/authorization.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    workers: { type: 'string', default: '6' },
    students: { type: 'string', default: '300' },
    unclaimed: { type: 'string', default: '600' },
    postgres: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(`Usage: npm run bench:soak -- [options]
  --minutes <n>     length of the load (default 10)
  --workers <n>     visitors at once (default 6)
  --students <n>    claimed students signing in and recovering passwords (default 300)
  --unclaimed <n>   unclaimed students for the claims; claims stop when they run out (default 600)
  --postgres        run on PostgreSQL (TEST_DATABASE_URL) instead of SQLite
`);
  process.exit(0);
}
if (args.postgres && !process.env.TEST_DATABASE_URL) {
  process.stderr.write('--postgres needs TEST_DATABASE_URL\n');
  process.exit(2);
}

const MINUTES = Number(args.minutes);
const WORKERS = Number(args.workers);
const CALLBACK = 'http://127.0.0.1:9/soak/callback';
const PASSWORD = 'Soak-Lakeside-2026';

interface Student {
  username: string;
  givenName: string;
  password: string;
  studentId: string;
  familyName: string;
}

/** Accounts a visitor borrows for one visit, so no two visitors change the same account at once. */
class Pool<T> {
  constructor(private readonly items: T[]) {}
  take(): T | undefined {
    return this.items.splice(Math.floor(Math.random() * this.items.length), 1)[0];
  }
  give(item: T): void {
    this.items.push(item);
  }
  get size(): number {
    return this.items.length;
  }
}

interface Visit {
  kind: string;
  ms: number;
  error?: string;
}

class Failure extends Error {}

function expectPage(condition: boolean, what: string): void {
  if (!condition) throw new Failure(what);
}

async function prepare(workspace: CrashWorkspace) {
  const config = loadConfig(workspace.env);
  const services = await createServices(config, workspace.store, createLogger('warn'));
  const hash = await services.hasher.hash(PASSWORD);
  const answers = await services.claimService.hashAnswers(CHALLENGE_ANSWERS);
  const claimed: Student[] = [];
  const unclaimed: Student[] = [];
  const students = Number(args.students);
  const total = students + Number(args.unclaimed);
  for (let i = 0; i < total; i += 1) {
    const studentId = String(700000 + i);
    const student = { username: `S0${studentId}`, givenName: `Soak${i}`, familyName: 'Visitor', studentId, password: PASSWORD };
    const account = await services.accounts.create({ ...student, roles: ['student'], grade: '05' });
    if (i < students) {
      await services.claims.completeClaim(account.id, hash, answers);
      claimed.push(student);
    } else {
      unclaimed.push(student);
    }
  }
  const { client, clientSecret } = await services.clients.register({ name: 'Soak App', redirectUris: [CALLBACK], firstParty: true });
  return { claimed: new Pool(claimed), unclaimed: new Pool(unclaimed), clientId: client.clientId, clientSecret: clientSecret! };
}

function rssMb(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Least-squares slope of (minutes, MB) samples. */
function slope(samples: { minute: number; mb: number }[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mx = samples.reduce((s, p) => s + p.minute, 0) / n;
  const my = samples.reduce((s, p) => s + p.mb, 0) / n;
  const num = samples.reduce((s, p) => s + (p.minute - mx) * (p.mb - my), 0);
  const den = samples.reduce((s, p) => s + (p.minute - mx) ** 2, 0);
  return den ? num / den : 0;
}

async function main() {
  const workspace = await crashWorkspace(args.postgres ? 'postgres' : 'sqlite', { demo: true });
  try {
    await workspace.start();
    process.stderr.write(`soak: preparing ${args.students} claimed and ${args.unclaimed} unclaimed students\n`);
    const setup = await prepare(workspace);
    const base = workspace.url;
    const rp = await oidc.discovery(new URL(base), setup.clientId, setup.clientSecret, undefined, { execute: [oidc.allowInsecureRequests] });
    let crossed = 0;
    let recovered = 0;
    let claimed = 0;

    const visits: Record<string, (worker: number) => Promise<void>> = {
      /** A student signs in to an app: the ID token must name the student who typed the password. */
      async app() {
        const student = setup.claimed.take();
        if (!student) return;
        try {
          const browser = new WebClient();
          browser.stopAt = CALLBACK;
          const request = await authorizationRequest(rp, CALLBACK);
          await browser.get(request.url.href);
          await browser.submit('/username', { username: student.username });
          const page = await browser.submit('/password', { password: student.password });
          expectPage(page.url.startsWith(CALLBACK), `app sign-in of ${student.username} ended at ${page.status} ${page.url}`);
          const tokens = await request.redeem(page.url);
          const who = tokens.claims()?.preferred_username;
          if (who !== student.username) {
            crossed += 1;
            throw new Failure(`crossed session: ${student.username} typed the password, the ID token names ${String(who)}`);
          }
        } finally {
          setup.claimed.give(student);
        }
      },
      /** A student signs in to the portal and opens it again: the greeting must be theirs. */
      async portal() {
        const student = setup.claimed.take();
        if (!student) return;
        try {
          const browser = new WebClient();
          const page = await signIn(browser, `${base}/`, student.username, student.password);
          const greeting = /Hello, ([^<!]+)/.exec(page.html)?.[1]?.trim();
          if (greeting !== student.givenName) {
            if (greeting) crossed += 1;
            throw new Failure(`portal sign-in of ${student.username}: greeting ${String(greeting)} (${page.status} ${page.url})`);
          }
          expectPage((await browser.get(`${base}/`)).status === 200, 'portal reload');
        } finally {
          setup.claimed.give(student);
        }
      },
      /** A family claims a new student's account; it joins the students who sign in. */
      async claim() {
        const student = setup.unclaimed.take();
        if (!student) return visits.portal(0);
        const browser = new WebClient();
        await browser.get(`${base}/claim`);
        await browser.submit('/identify', { familyName: student.familyName, givenName: student.givenName, studentId: student.studentId });
        const password = `Soak-Claimed-${claimed}-Willow`; // never the person's own ID: the policy refuses it
        await browser.submit('/password', { password, confirm: password });
        const done = await browser.submit('/questions', CLAIM_ANSWERS);
        expectPage(done.html.includes('The account is ready'), `claim of ${student.username}: ${done.status} ${done.url}`);
        claimed += 1;
        setup.claimed.give({ ...student, password });
      },
      /** A family recovers a forgotten password with the three answers. */
      async recover() {
        const student = setup.claimed.take();
        if (!student) return;
        let password = student.password;
        try {
          const browser = new WebClient();
          await browser.get(`${base}/recover`);
          await browser.submit('/username', { username: student.username });
          const answers = await browser.submit('/answers', { answer1: CLAIM_ANSWERS.answer1, answer2: CLAIM_ANSWERS.answer2, answer3: CLAIM_ANSWERS.answer3 });
          expectPage(answers.html.includes('Create a new password'), `recovery answers of ${student.username}: ${answers.status} ${answers.url}`);
          const fresh = `Soak-Recovered-${recovered}-Juniper`;
          const done = await browser.submit('/password', { password: fresh, confirm: fresh });
          expectPage(done.html.includes('Your password has been changed'), `recovery of ${student.username}: ${done.status} ${done.url}`);
          password = fresh;
          recovered += 1;
        } finally {
          setup.claimed.give({ ...student, password });
        }
      },
      /** A teacher opens My students and the not-ready list. */
      async teacher() {
        const browser = new WebClient();
        await signIn(browser, `${base}/staff`, 'mrivera', 'Teach-Lakeside-2026');
        expectPage((await browser.get(`${base}/staff`)).html.includes('García, Ana'), 'My students');
        expectPage((await browser.get(`${base}/staff?filter=not-ready`)).status === 200, 'not-ready list');
      },
      /** The help desk's queue, and an administrator's console pages. */
      async staff() {
        const desk = new WebClient();
        await signIn(desk, `${base}/helpdesk`, 'helpdesk', 'Helpdesk-Maple-2026');
        expectPage((await desk.get(`${base}/helpdesk`)).status === 200, 'help desk queue');
        const admin = new WebClient();
        await signIn(admin, `${base}/admin`, 'admin', 'Admin-Maple-2026');
        for (const path of ['/admin', '/admin/readiness', '/admin/roster', '/admin/apps', '/admin/help-links', '/admin/policies', '/admin/audit']) {
          const page = await admin.get(`${base}${path}`);
          expectPage(page.status === 200, `${path}: ${page.status}`);
        }
      },
    };
    // Weights: mostly sign-ins, as on a school morning.
    const mix: [string, number][] = [
      ['app', 35],
      ['portal', 20],
      ['claim', 12],
      ['recover', 10],
      ['teacher', 13],
      ['staff', 10],
    ];
    const totalWeight = mix.reduce((s, [, w]) => s + w, 0);
    const pick = () => {
      let r = Math.random() * totalWeight;
      for (const [kind, weight] of mix) if ((r -= weight) < 0) return kind;
      return mix[0][0];
    };

    const results: Visit[] = [];
    const memory: { minute: number; mb: number }[] = [];
    const started = performance.now();
    const end = started + MINUTES * 60_000;
    const sampler = setInterval(() => {
      const mb = rssMb(workspace.pid());
      if (mb !== null) memory.push({ minute: (performance.now() - started) / 60_000, mb });
    }, 5_000);
    let lastReport = started;
    await Promise.all(
      Array.from({ length: WORKERS }, async (_, worker) => {
        while (performance.now() < end) {
          const kind = pick();
          const t0 = performance.now();
          try {
            await visits[kind](worker);
            results.push({ kind, ms: performance.now() - t0 });
          } catch (error) {
            results.push({ kind, ms: performance.now() - t0, error: (error as Error).message.slice(0, 300) });
          }
          if (performance.now() - lastReport > 60_000) {
            lastReport = performance.now();
            const mb = memory.at(-1)?.mb;
            process.stderr.write(
              `soak: ${round((lastReport - started) / 60_000, 1)} min, ${results.length} visits, ${results.filter((r) => r.error).length} errors, RSS ${mb ? round(mb, 0) : '?'} MB\n`,
            );
          }
        }
      }),
    );
    clearInterval(sampler);

    const warm = memory.filter((m) => m.minute >= Math.min(1, MINUTES / 4));
    const errors = results.filter((r) => r.error);
    const kinds = Object.fromEntries(
      mix.map(([kind]) => {
        const mine = results.filter((r) => r.kind === kind);
        const latency = summarize(mine.filter((r) => !r.error).map((r) => r.ms));
        return [kind, { visits: mine.length, errors: mine.filter((r) => r.error).length, p50Ms: round(latency.p50, 0), p99Ms: round(latency.p99, 0) }];
      }),
    );
    const report = {
      engine: args.postgres ? 'postgres' : 'sqlite',
      minutes: MINUTES,
      workers: WORKERS,
      visits: results.length,
      visitsPerSecond: round(results.length / (MINUTES * 60), 1),
      claims: claimed,
      recoveries: recovered,
      errors: errors.length,
      crossedSessions: crossed,
      rssWarmMb: warm.length ? round(warm[0].mb, 0) : null,
      rssEndMb: memory.length ? round(memory.at(-1)!.mb, 0) : null,
      rssMaxMb: memory.length ? round(Math.max(...memory.map((m) => m.mb)), 0) : null,
      rssGrowthMb: warm.length ? round(warm.at(-1)!.mb - warm[0].mb, 0) : null,
      rssSlopeMbPerMinute: round(slope(warm), 2),
      kinds,
    };
    process.stdout.write(`\nSoak: ${report.minutes} min, ${report.workers} visitors at once, ${report.engine}\n`);
    for (const [kind, figures] of Object.entries(kinds)) {
      process.stdout.write(
        `  ${kind.padEnd(8)} ${String(figures.visits).padStart(6)} visits  ${String(figures.errors).padStart(3)} errors  p50 ${figures.p50Ms} ms  p99 ${figures.p99Ms} ms\n`,
      );
    }
    process.stdout.write(`  visits/s ${report.visitsPerSecond}; claims ${claimed}, recoveries ${recovered}\n`);
    process.stdout.write(`  errors: ${errors.length} (target 0)   crossed sessions: ${crossed} (target 0)\n`);
    process.stdout.write(
      `  server RSS: ${report.rssWarmMb} MB warm → ${report.rssEndMb} MB at the end (max ${report.rssMaxMb}); growth ${report.rssGrowthMb} MB, ${report.rssSlopeMbPerMinute} MB/min\n`,
    );
    for (const error of errors.slice(0, 10)) process.stdout.write(`  error (${error.kind}): ${error.error}\n`);
    process.stdout.write(`${JSON.stringify(report)}\n`);
    process.exitCode = errors.length || crossed ? 1 : 0;
  } finally {
    await workspace.close();
  }
}

main().catch((error) => {
  process.stderr.write(`soak: ${(error as Error).stack}\n`);
  process.exit(2);
});
