import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import SQLite from 'better-sqlite3';
import { startProcessServer, type ProcessServer } from '../helpers/process-server.js';
import { finishClaim, startClaim } from '../helpers/claim.js';
import { signIn, WebClient } from '../helpers/web-client.js';

const run = promisify(execFile);

function homeroom(args: string[], env: Record<string, string>) {
  return run(process.execPath, ['bin/homeroom.js', ...args], { env: { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'warn', ...env } });
}

/**
 * `homeroom backup FILE` copies the SQLite database while the server goes on serving and writing; the copy, put in
 * a fresh data folder as homeroom.db, starts a server with everything that was there when it was taken.
 */
describe('SQLite backup while serving, and restore', () => {
  const work = mkdtempSync(join(tmpdir(), 'homeroom-backup-'));
  const dataDir = join(work, 'data');
  const restoredDir = join(work, 'restored');
  let server: ProcessServer;
  let restored: ProcessServer | null = null;
  afterAll(async () => {
    await restored?.stop();
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('a backup taken during sign-ins is complete and consistent, and a server starts from it', async () => {
    server = await startProcessServer({ HOMEROOM_DATA_DIR: dataDir });
    // A claim before the backup: the restored database must know Léa's new password.
    const family = new WebClient();
    await startClaim(family, server.url, { familyName: 'Côté', givenName: 'Léa', studentId: '100003' });
    const claimed = await finishClaim(family, 'Lea-Claims-2026!');
    expect(claimed.html).toContain('The account is ready');

    // Sign-ins write (sessions, interactions, audit events) all through the backup.
    let signingIn = true;
    let signIns = 0;
    const load = (async () => {
      while (signingIn) {
        const page = await signIn(new WebClient(), `${server.url}/`, 'S0100001', 'Lakeside-Ana-2026');
        expect(page.html).toContain('Hello, Ana');
        signIns += 1;
      }
    })();
    while (signIns < 3) await new Promise((r) => setTimeout(r, 50));
    const file = join(work, 'homeroom-backup.db');
    const { stdout } = await homeroom(['backup', file, '--json'], { HOMEROOM_DATA_DIR: dataDir });
    const during = signIns;
    while (signIns < during + 3) await new Promise((r) => setTimeout(r, 50));
    signingIn = false;
    await load;

    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ file, pages: expect.any(Number) });
    expect(result.bytes).toBeGreaterThan(0);
    expect(readdirSync(work).filter((f) => f.endsWith('.partial'))).toEqual([]);
    const copy = new SQLite(file, { readonly: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
      const audit = copy.prepare(`SELECT count(*) AS n FROM audit_events WHERE type = 'login.succeeded'`).get() as { n: number };
      expect(audit.n).toBeGreaterThanOrEqual(3);
    } finally {
      copy.close();
    }

    // A second backup to the same file is refused without --force.
    await expect(homeroom(['backup', file], { HOMEROOM_DATA_DIR: dataDir })).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('exists') });

    // Restore: the file becomes homeroom.db of an empty data folder.
    await server.stop();
    expect(existsSync(join(dataDir, 'homeroom.db'))).toBe(true);
    await run('mkdir', ['-p', restoredDir]);
    copyFileSync(file, join(restoredDir, 'homeroom.db'));
    restored = await startProcessServer({ HOMEROOM_DATA_DIR: restoredDir });
    expect((await signIn(new WebClient(), `${restored.url}/`, 'S0100003', 'Lea-Claims-2026!')).html).toContain('Hello, Léa');
  }, 300_000);

  test('on PostgreSQL it points to pg_dump', async () => {
    await expect(homeroom(['backup', join(work, 'x.db')], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('pg_dump'),
    });
  });
});
