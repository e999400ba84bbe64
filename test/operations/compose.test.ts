import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `${NAME:?message}` and `${NAME}` as Compose fills them in from .env. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Z_][A-Z0-9_]*)(?::\?[^}]*)?\}/g, (_, name: string) => {
    if (!(name in env)) throw new Error(`compose.yaml needs ${name}`);
    return env[name];
  });
}

/**
 * Docker cannot run here, so compose.yaml and the Dockerfile are checked by reading them: what they name exists,
 * the settings they give Homeroom make a valid configuration, and nothing runs as root.
 */
describe('compose.yaml and the Dockerfile', () => {
  const compose = parse(readFileSync(join(ROOT, 'compose.yaml'), 'utf8'));
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const { db, homeroom } = compose.services;
  const dotEnv = { POSTGRES_PASSWORD: 'a-long-random-password', HOMEROOM_SEAL_KEY: `${'A'.repeat(43)}=`, HOMEROOM_ISSUER: 'https://id.district.example' };

  test('the image is built on Node 22 LTS, from this folder’s Dockerfile, and runs as the node user', () => {
    expect(homeroom.build).toBe('.');
    expect(existsSync(join(ROOT, 'Dockerfile'))).toBe(true);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:22-bookworm-slim$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(homeroom.user).toBe('node');
    expect(db.user).toBe('postgres');
  });

  test('Homeroom’s environment is a valid configuration that reaches the db service', () => {
    const env = Object.fromEntries(Object.entries(homeroom.environment as Record<string, string>).map(([k, v]) => [k, interpolate(String(v), dotEnv)]));
    const config = loadConfig(env);
    expect(config.databaseEngine).toBe('postgres');
    const url = new URL(config.database.url!);
    expect(url.hostname).toBe('db');
    expect(url.username).toBe(db.environment.POSTGRES_USER);
    expect(url.pathname).toBe(`/${db.environment.POSTGRES_DB}`);
    expect(decodeURIComponent(url.password)).toBe(interpolate(db.environment.POSTGRES_PASSWORD, dotEnv));
    expect(config.issuer).toBe('https://id.district.example');
    expect(config.secureCookies).toBe(true);
    expect(config.demo.enabled).toBe(false);
    expect(() => interpolate(homeroom.environment.HOMEROOM_SEAL_KEY, {})).toThrow('HOMEROOM_SEAL_KEY');
    // Docker's stop waits longer than Homeroom's own drain, so requests in flight finish before SIGKILL.
    expect(Number(String(homeroom.stop_grace_period).replace(/s$/, ''))).toBeGreaterThan(config.server.shutdownTimeout);
  });

  test('Homeroom waits for a healthy database; both have health checks; data lives on declared volumes', () => {
    expect(homeroom.depends_on.db.condition).toBe('service_healthy');
    expect(db.healthcheck.test).toEqual(['CMD', 'pg_isready', '-U', db.environment.POSTGRES_USER, '-d', db.environment.POSTGRES_DB]);
    expect(homeroom.healthcheck.test.join(' ')).toContain('/healthz');
    expect(dockerfile).toContain('/healthz');
    for (const mount of db.volumes as string[]) expect(Object.keys(compose.volumes)).toContain(mount.split(':')[0]);
    expect(homeroom.ports).toEqual(['127.0.0.1:3000:3000']);
  });
});
