import SQLite from 'better-sqlite3';
import { isDatabaseUnavailable } from '../../src/store/unavailable.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { signIn, WebClient } from '../helpers/web-client.js';

/**
 * A database that cannot serve (here: SQLite locked by another connection past busy_timeout, as a long write or a
 * copy with the wrong tool would) answers a translated 503 with Retry-After, and the same pages work again once the
 * lock is gone. PostgreSQL going down and coming back is in postgres-restart.test.ts.
 */
describe('a database that cannot serve (sqlite)', () => {
  let server: TestServer;
  let locker: SQLite.Database;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
    locker = new SQLite(server.database.options.file!);
  });
  afterAll(async () => {
    locker.close();
    await server.close();
  });

  const lock = () => locker.exec('BEGIN EXCLUSIVE');
  const unlock = () => locker.exec('COMMIT');

  test('our pages and the provider’s endpoints answer 503 in the reader’s language, then recover by themselves', async () => {
    const browser = new WebClient({ 'accept-language': 'fr' });
    const before = await browser.get(`${server.url}/`);
    expect(before.url).toContain('/interaction/');

    lock();
    try {
      // Our route (a flow record is written) and the provider's (an interaction is written), both in French.
      const claim = await new WebClient({ 'accept-language': 'fr' }).get(`${server.url}/claim`);
      expect(claim.status).toBe(503);
      expect(claim.headers.get('retry-after')).toBe('5');
      expect(claim.html).toContain('Service momentanément indisponible');
      expect(claim.html).toContain('Homeroom est momentanément indisponible. Veuillez réessayer dans une minute.');
      expect(claim.html).not.toMatch(/SQLITE|at .*\.ts:\d+/);

      const auth = await new WebClient({ 'accept-language': 'fr' }).get(`${server.url}/`);
      expect(auth.status).toBe(503);
      expect(auth.html).toContain('Homeroom est momentanément indisponible.');

      const json = await fetch(`${server.url}/claim`, { headers: { accept: 'application/json' } });
      expect(json.status).toBe(503);
      expect(json.headers.get('retry-after')).toBe('5');
      expect(await json.json()).toEqual({ error: 'SERVICE_UNAVAILABLE', message: 'Homeroom is temporarily unavailable. Please try again in a minute.' });
    } finally {
      unlock();
    }

    const after = await signIn(new WebClient(), `${server.url}/`, 'S0100001', 'Lakeside-Ana-2026');
    expect(after.status).toBe(200);
    expect(after.html).toContain('Hello, Ana');
  }, 60_000);
});

describe('which errors mean the database is unavailable', () => {
  test.each([
    ['PostgreSQL shutting down', { code: '57P01', message: 'terminating connection due to administrator command' }],
    ['PostgreSQL starting up', { code: '57P03', message: 'the database system is starting up' }],
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['a dropped connection', new Error('Connection terminated unexpectedly')],
    ['a pool that cannot connect in time', new Error('timeout exceeded when trying to connect')],
    ['SQLite locked', Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })],
    ['every address refused', new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' }), Object.assign(new Error('b'), { code: 'ECONNREFUSED' })])],
  ])('%s: yes', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  test.each([
    ['a unique violation', { code: '23505', message: 'duplicate key value violates unique constraint' }],
    ['a syntax error', { code: '42601', message: 'syntax error' }],
    ['a SQLite constraint', Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT_UNIQUE' })],
    ['a bug', new TypeError('cannot read properties of undefined')],
    ['nothing', undefined],
  ])('%s: no', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
