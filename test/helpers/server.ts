import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/config/load.js';
import { startServer, type RunningServer } from '../../src/server.js';
import type { StoreOptions } from '../../src/store/database.js';
import { serverLog, TEST_SERVER_LOG_LEVEL } from './server-log.js';

export type Engine = 'sqlite' | 'postgres';

/** SQLite always; PostgreSQL too when TEST_DATABASE_URL is set (.ci/run sets it). */
export const ENGINES: Engine[] = process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestDatabase {
  engine: Engine;
  options: StoreOptions;
  /** Removes the database (file or schema). */
  drop(): Promise<void>;
}

/** A fresh, empty database: a temporary SQLite file, or a new PostgreSQL schema. */
export async function freshDatabase(engine: Engine): Promise<TestDatabase> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'homeroom-test-'));
    return { engine, options: { engine, file: join(dir, 'homeroom.db') }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const url = process.env.TEST_DATABASE_URL!;
  const schema = `t_${randomBytes(6).toString('hex')}`;
  return {
    engine,
    options: { engine, url, schema, poolSize: 5 },
    async drop() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

export interface TestServer extends RunningServer {
  database: TestDatabase;
  config: Config;
}

export interface TestServerOptions {
  demo?: boolean;
  /** Config sections to override, as in the config file. */
  overrides?: Record<string, unknown>;
  /** Share a database with another server (several app processes on one PostgreSQL). */
  database?: TestDatabase;
  /** Public issuer when it is not this server's own address (another node behind the same name). */
  issuer?: string;
  /** A fixed port (a restart on the same address); a free one by default. */
  port?: number;
}

/** Starts Homeroom on a free loopback port with the issuer naming that port. */
export async function startTestServer(engine: Engine, options: TestServerOptions = {}): Promise<TestServer> {
  const database = options.database ?? (await freshDatabase(engine));
  const env = { HOMEROOM_DEMO: options.demo === false ? '0' : '1', LOG_LEVEL: TEST_SERVER_LOG_LEVEL };
  // The suites of the second factor set mfa themselves; the others sign in the demo's admin and help desk with a password.
  const overrides: Record<string, unknown> = { mfa: { requiredRoles: [] }, ...(options.overrides ?? {}) };
  const withServer = (server: Record<string, unknown>) => ({ ...overrides, server: { ...((overrides.server as object) ?? {}), ...server } });
  const base = loadConfig(env, withServer({ port: options.port ?? 0, host: '127.0.0.1' }));
  let config = base;
  const running = await startServer(base, {
    storeOptions: database.options,
    logDestination: serverLog,
    configForPort: (port) => {
      config = loadConfig(env, withServer({ port, host: '127.0.0.1', issuer: options.issuer ?? `http://127.0.0.1:${port}` }));
      return config;
    },
  });
  const ownsDatabase = !options.database;
  return {
    ...running,
    database,
    config,
    async close() {
      await running.close();
      if (ownsDatabase) await database.drop();
    },
  };
}
