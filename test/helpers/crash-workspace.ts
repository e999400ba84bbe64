/**
 * A Homeroom installation that a test can kill -9 and start again on the same data: `homeroom start` and
 * `homeroom` commands in their own processes, on SQLite in a temporary folder or in a PostgreSQL schema of their own,
 * and a store opened on the same database to check what a crash left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/database.js';
import { freePort } from './process-server.js';
import type { Engine } from './server.js';

export interface CrashWorkspace {
  url: string;
  /** A folder of the workspace's own, removed by close(). */
  dir: string;
  /** The environment its processes run with (their configuration). */
  env: Record<string, string>;
  /** The server's process id while it runs. */
  pid(): number | undefined;
  /** The same database the processes use. */
  store: Store;
  /** Starts `homeroom start` and waits until it answers /healthz. */
  start(): Promise<void>;
  /** kill -9 of the server, now. Resolves when it is gone. */
  kill(): Promise<void>;
  /**
   * Runs `homeroom ARGS…` and kills it -9 as soon as its output has matched `killOn` (after `delayMs`). Resolves
   * with whether it was killed, its exit code and its output.
   */
  command(args: string[], killOn?: RegExp, delayMs?: number): Promise<{ killed: boolean; code: number | null; output: string }>;
  close(): Promise<void>;
}

export async function crashWorkspace(engine: Engine, options: { demo: boolean }): Promise<CrashWorkspace> {
  const work = mkdtempSync(join(tmpdir(), 'homeroom-crash-'));
  mkdirSync(join(work, 'data'));
  const schema = `crash_${randomBytes(5).toString('hex')}`;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    NODE_OPTIONS: '',
    LOG_LEVEL: 'warn',
    PORT: String(port),
    HOMEROOM_ISSUER: url,
    HOMEROOM_DEMO: options.demo ? '1' : '0',
    HOMEROOM_DATA_DIR: join(work, 'data'),
    HOMEROOM_CONFIG: join(work, 'homeroom.json'),
  };
  // The demo's help desk and administrator sign in with a password alone here, as in the other process suites.
  const config = { mfa: { requiredRoles: [] } };
  if (engine === 'postgres') {
    env.DATABASE_URL = process.env.TEST_DATABASE_URL!;
    writeFileSync(env.HOMEROOM_CONFIG, JSON.stringify({ ...config, database: { schema, poolSize: 3 } }));
  } else {
    delete env.DATABASE_URL;
    writeFileSync(env.HOMEROOM_CONFIG, JSON.stringify(config));
  }

  let server: ChildProcess | null = null;
  let store: Store | null = null;
  const openOwnStore = async () => {
    store ??= await openStore(engine === 'postgres' ? { engine, url: env.DATABASE_URL, schema, poolSize: 2 } : { engine, file: join(work, 'data', 'homeroom.db') });
  };

  const run = (args: string[]) => {
    const child = spawn(process.execPath, ['bin/homeroom.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout!.on('data', (chunk) => (text += chunk));
    child.stderr!.on('data', (chunk) => (text += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, output: () => text, exited };
  };

  const workspace: CrashWorkspace = {
    url,
    dir: work,
    env,
    pid: () => (server && server.exitCode === null && server.signalCode === null ? server.pid : undefined),
    get store(): Store {
      if (!store) throw new Error('start the workspace first');
      return store;
    },
    async start() {
      const started = run(['start']);
      server = started.child;
      const deadline = Date.now() + 120_000;
      for (;;) {
        if (started.child.exitCode !== null) throw new Error(`homeroom exited with ${started.child.exitCode}:\n${started.output()}`);
        if (
          await fetch(`${url}/healthz`).then(
            (r) => r.ok,
            () => false,
          )
        )
          break;
        if (Date.now() > deadline) throw new Error(`homeroom did not start within 120 s:\n${started.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await openOwnStore();
    },
    async kill() {
      const current = server;
      if (!current || current.exitCode !== null || current.signalCode !== null) return;
      const exited = new Promise((resolve) => current.once('exit', resolve));
      current.kill('SIGKILL');
      await exited;
    },
    async command(args, killOn, delayMs = 0) {
      const started = run(args);
      let killed = false;
      if (killOn) {
        const watch = setInterval(() => {
          if (killed || !killOn.test(started.output())) return;
          killed = true;
          clearInterval(watch);
          setTimeout(() => started.child.kill('SIGKILL'), delayMs);
        }, 2);
        void started.exited.finally(() => clearInterval(watch));
      }
      const code = await started.exited;
      await openOwnStore();
      return { killed: killed && code === null, code, output: started.output() };
    },
    async close() {
      await workspace.kill();
      await store?.close();
      rmSync(work, { recursive: true, force: true });
      if (engine !== 'postgres') return;
      const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
  return workspace;
}
