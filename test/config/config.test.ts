import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDuration, parseDuration } from '../../src/config/duration.js';
import { ConfigError, insecureConfigWarnings, loadConfig, redactConfig } from '../../src/config/load.js';
import { DEMO_DISTRICT_NAME } from '../../src/config/schema.js';
import { LOCALES } from '../../src/i18n/i18n.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'homeroom-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCounter = 0;
/** Writes a config file into the temporary folder and returns its path. */
function configFile(extension: 'json' | 'yaml' | 'yml', text: string): string {
  fileCounter += 1;
  const path = join(dir, `config-${fileCounter}.${extension}`);
  writeFileSync(path, text);
  return path;
}

/** The ConfigError thrown by `load`, or a failure when nothing (or something else) is thrown. */
function configError(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, but the configuration loaded');
}

const fromJson = (value: unknown, env: Record<string, string> = {}) => loadConfig({ HOMEROOM_CONFIG: configFile('json', JSON.stringify(value)), ...env });

describe('defaults', () => {
  test('an empty environment gives the documented defaults', () => {
    const config = loadConfig({});
    expect(config.server).toMatchObject({ port: 3000, host: '0.0.0.0', trustProxy: false });
    expect(config.server.issuer).toBeUndefined();
    expect(config.issuer).toBe('http://localhost:3000');
    expect(config.secureCookies).toBe(false);
    expect(config.databaseEngine).toBe('sqlite');
    expect(config.database).toEqual({ dataDir: './data', poolSize: 10 });
    expect(config.demo.enabled).toBe(true);
    expect(config.i18n.defaultLocale).toBe('en');
    expect(config.passwords).toEqual({ memoryCost: 19456, timeCost: 2, parallelism: 1, minLength: 8, maxLength: 128, blockCommon: true });
    expect(config.claim).toMatchObject({ nameMatch: 'normalized', flowTtl: 3600, perAddress: { limit: 20, window: 3600 }, perStudent: { limit: 5, window: 3600 } });
    expect(config.claim.questions).toHaveLength(10);
    expect(config.district.timeZone).toBe('UTC');
    expect(config.login).toEqual({
      perAccount: { limit: 10, window: 900 },
      perAddress: { limit: 100, window: 900 },
      perDevice: { limit: 10, window: 900 },
      trustedDeviceTtl: 7_776_000,
    });
    expect(config.recovery.perDevice).toEqual({ limit: 5, window: 86_400 });
    expect(config.session).toEqual({ ttl: 28_800, interactionTtl: 3600, portalTtl: 28_800 });
    expect(config.tokens).toEqual({ accessTokenTtl: 3600, idTokenTtl: 3600, refreshTokenTtl: 1_209_600, authorizationCodeTtl: 60 });
    expect(config.secrets.cookieKeys).toEqual([]);
    expect(config.secrets.sealKey).toBeUndefined();
    expect(config.portal.helpLinks).toEqual([]);
    expect(config.log.level).toBe('info');
    expect(config.district.name).toEqual(DEMO_DISTRICT_NAME);
    expect(Object.keys(config.district.name).sort()).toEqual([...LOCALES].sort());
    expect(config.source).toBeNull();
  });

  test('the default issuer follows the port', () => {
    expect(loadConfig({ PORT: '8123' }).issuer).toBe('http://localhost:8123');
    expect(fromJson({ server: { port: 4100 } }).issuer).toBe('http://localhost:4100');
  });
});

describe('config files', () => {
  test('a JSON file is read and merged over the defaults', () => {
    const path = configFile('json', JSON.stringify({ server: { port: 4000, host: '127.0.0.1' }, demo: { enabled: false }, i18n: { defaultLocale: 'fr' } }));
    const config = loadConfig({ HOMEROOM_CONFIG: path });
    expect(config.source).toBe(path);
    expect(config.server).toMatchObject({ port: 4000, host: '127.0.0.1', trustProxy: false });
    expect(config.demo.enabled).toBe(false);
    expect(config.i18n.defaultLocale).toBe('fr');
    expect(config.log.level).toBe('info');
  });

  test('a YAML file is read and merged over the defaults', () => {
    const path = configFile(
      'yaml',
      [
        'server:',
        '  issuer: https://id.maple.example/',
        '  trustProxy: true',
        'login:',
        '  perAccount:',
        '    limit: 5',
        '    window: 10m',
        'secrets:',
        '  cookieKeys:',
        `    - ${'k'.repeat(40)}`,
      ].join('\n'),
    );
    const config = loadConfig({ HOMEROOM_CONFIG: path });
    expect(config.issuer).toBe('https://id.maple.example');
    expect(config.secureCookies).toBe(true);
    expect(config.server.trustProxy).toBe(true);
    expect(config.login.perAccount).toEqual({ limit: 5, window: 600 });
    expect(config.login.perAddress).toEqual({ limit: 100, window: 900 });
    expect(config.secrets.cookieKeys).toEqual(['k'.repeat(40)]);
  });

  test('an empty YAML file means all defaults', () => {
    const config = loadConfig({ HOMEROOM_CONFIG: configFile('yml', '# nothing here\n') });
    expect(config.server.port).toBe(3000);
  });

  test('the documented example file loads', () => {
    const config = loadConfig({ HOMEROOM_CONFIG: join(ROOT, 'config', 'homeroom.example.yaml') });
    expect(config.issuer).toBe('https://my.maple-valley.example');
    expect(config.secureCookies).toBe(true);
    expect(config.demo.enabled).toBe(false);
    expect(config.login.perAccount).toEqual({ limit: 10, window: 900 });
    expect(config.tokens.refreshTokenTtl).toBe(14 * 86_400);
    expect(config.portal.helpLinks.map((l) => l.id)).toEqual(['how-to-sign-in', 'wifi', 'learning-beyond-the-classroom']);
    expect(config.portal.helpLinks[0].showOnLogin).toBe(true);
    expect(config.portal.helpLinks[2]).toMatchObject({ roles: ['student', 'teacher'], showOnLogin: false });
  });

  test('an unreadable file is named', () => {
    const missing = join(dir, 'does-not-exist.yaml');
    const error = configError(() => loadConfig({ HOMEROOM_CONFIG: missing }));
    expect(error.message).toContain('HOMEROOM_CONFIG');
    expect(error.message).toContain(missing);
    expect(error.message).toContain('ENOENT');
  });

  test('invalid YAML and invalid JSON are named', () => {
    const yamlPath = configFile('yaml', 'server:\n  port: [3000\n');
    const yamlError = configError(() => loadConfig({ HOMEROOM_CONFIG: yamlPath }));
    expect(yamlError.message).toContain(yamlPath);
    expect(yamlError.message).toContain('not valid YAML');

    const jsonPath = configFile('json', '{"server": {"port": 3000}');
    const jsonError = configError(() => loadConfig({ HOMEROOM_CONFIG: jsonPath }));
    expect(jsonError.message).toContain(jsonPath);
    expect(jsonError.message).toContain('not valid JSON');
  });

  test('a file whose top level is not an object is refused', () => {
    const path = configFile('yaml', '- server\n- port\n');
    expect(configError(() => loadConfig({ HOMEROOM_CONFIG: path })).message).toContain('the top level must be an object');
  });
});

describe('durations', () => {
  test('"90s", "30m", "24h", "14d" and numbers of seconds', () => {
    const config = fromJson({
      session: { ttl: '90s', interactionTtl: '30m', portalTtl: '24h' },
      tokens: { refreshTokenTtl: '14d', accessTokenTtl: 600, idTokenTtl: '120', authorizationCodeTtl: '1.5m' },
    });
    expect(config.session).toEqual({ ttl: 90, interactionTtl: 1800, portalTtl: 86_400 });
    expect(config.tokens).toEqual({ refreshTokenTtl: 1_209_600, accessTokenTtl: 600, idTokenTtl: 120, authorizationCodeTtl: 90 });
  });

  test('parseDuration accepts the documented spellings and nothing else', () => {
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('30m')).toBe(1800);
    expect(parseDuration('24h')).toBe(86_400);
    expect(parseDuration('14d')).toBe(1_209_600);
    expect(parseDuration(' 2H ')).toBe(7200);
    expect(parseDuration('45')).toBe(45);
    expect(parseDuration(45)).toBe(45);
    expect(parseDuration(0)).toBe(0);
    for (const bad of ['soon', '', '5 minutes', '-5s', '5w', 's', '1e3', -1, Number.NaN, Number.POSITIVE_INFINITY, null, undefined, {}, []]) {
      expect(parseDuration(bad)).toBeNull();
    }
  });

  test('formatDuration picks the largest whole unit', () => {
    expect(formatDuration(90)).toBe('90s');
    expect(formatDuration(1800)).toBe('30m');
    expect(formatDuration(86_400)).toBe('1d');
    expect(formatDuration(7200)).toBe('2h');
    expect(formatDuration(0)).toBe('0s');
  });
});

describe('environment variables', () => {
  test('win over the file', () => {
    const path = configFile(
      'json',
      JSON.stringify({ server: { port: 4000, issuer: 'https://file.example', trustProxy: false }, database: { dataDir: '/from/file' }, demo: { enabled: true } }),
    );
    const config = loadConfig({
      HOMEROOM_CONFIG: path,
      PORT: '5000',
      HOMEROOM_ISSUER: 'https://env.example/',
      HOMEROOM_TRUST_PROXY: '1',
      HOMEROOM_DATA_DIR: '/var/lib/homeroom',
      HOMEROOM_DEMO: '0',
      LOG_LEVEL: 'debug',
    });
    expect(config.server.port).toBe(5000);
    expect(config.issuer).toBe('https://env.example');
    expect(config.secureCookies).toBe(true);
    expect(config.database.dataDir).toBe('/var/lib/homeroom');
    expect(config.demo.enabled).toBe(false);
    expect(config.log.level).toBe('debug');
    expect(config.server.trustProxy).toBe(true);
  });

  test('HOMEROOM_TRUST_PROXY: 1/true/yes/on enable, anything else disables, empty is ignored', () => {
    for (const on of ['1', 'true', 'YES', 'on']) expect(loadConfig({ HOMEROOM_TRUST_PROXY: on }).server.trustProxy).toBe(true);
    for (const off of ['0', 'false', 'no']) expect(fromJson({ server: { trustProxy: true } }, { HOMEROOM_TRUST_PROXY: off }).server.trustProxy).toBe(false);
    expect(fromJson({ server: { trustProxy: true } }, { HOMEROOM_TRUST_PROXY: '' }).server.trustProxy).toBe(true);
  });

  test('an https issuer requires trustProxy, naming server.trustProxy', () => {
    const error = configError(() => loadConfig({ HOMEROOM_ISSUER: 'https://id.maple.example' }));
    expect(error.problems).toEqual([expect.stringMatching(/^server\.trustProxy: /)]);
    expect(loadConfig({ HOMEROOM_ISSUER: 'https://id.maple.example', HOMEROOM_TRUST_PROXY: '1' }).secureCookies).toBe(true);
  });

  test('HOMEROOM_SEAL_KEY sets secrets.sealKey, which must be 32 bytes of base64', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({ HOMEROOM_SEAL_KEY: key }).secrets.sealKey).toBe(key);
    const error = configError(() => loadConfig({ HOMEROOM_SEAL_KEY: Buffer.alloc(16, 7).toString('base64') }));
    expect(error.problems).toEqual([expect.stringMatching(/^secrets\.sealKey: /)]);
  });

  test('HOMEROOM_DEMO: 0/false/no/off disable, other values enable, empty is ignored', () => {
    for (const off of ['0', 'false', 'FALSE', 'no', 'off']) expect(loadConfig({ HOMEROOM_DEMO: off }).demo.enabled).toBe(false);
    for (const on of ['1', 'true', 'yes']) expect(fromJson({ demo: { enabled: false } }, { HOMEROOM_DEMO: on }).demo.enabled).toBe(true);
    expect(fromJson({ demo: { enabled: false } }, { HOMEROOM_DEMO: '' }).demo.enabled).toBe(false);
  });

  test('a postgres DATABASE_URL selects PostgreSQL', () => {
    for (const url of ['postgres://homeroom@db.internal:5432/homeroom', 'postgresql://db.internal/homeroom']) {
      const config = loadConfig({ DATABASE_URL: url });
      expect(config.databaseEngine).toBe('postgres');
      expect(config.database.url).toBe(url);
    }
    expect(loadConfig({}).databaseEngine).toBe('sqlite');
  });

  test('a non-postgres DATABASE_URL is refused, naming database.url', () => {
    for (const url of ['mysql://db/homeroom', 'sqlite:///var/lib/homeroom.db', './data/homeroom.db']) {
      const error = configError(() => loadConfig({ DATABASE_URL: url }));
      expect(error.problems).toEqual([expect.stringMatching(/^database\.url: /)]);
    }
    expect(configError(() => fromJson({ database: { url: 'mysql://db/x' } })).message).toContain('database.url');
  });

  test('a bad PORT names server.port', () => {
    expect(configError(() => loadConfig({ PORT: 'abc' })).problems).toEqual([expect.stringMatching(/^server\.port: /)]);
    expect(configError(() => loadConfig({ PORT: '70000' })).problems).toEqual([expect.stringMatching(/^server\.port: /)]);
  });
});

describe('invalid values name the key path', () => {
  test.each([
    ['session.ttl', { session: { ttl: 'soon' } }],
    ['server.port', { server: { port: 'abc' } }],
    ['server.issuer', { server: { issuer: 'not a url' } }],
    ['demo.enabled', { demo: { enabled: 'yes' } }],
    ['login.perAccount.limit', { login: { perAccount: { limit: 0, window: '15m' } } }],
    ['login.perAddress.window', { login: { perAddress: { limit: 5, window: 'a while' } } }],
    ['passwords.memoryCost', { passwords: { memoryCost: 1024 } }],
    ['i18n.defaultLocale', { i18n: { defaultLocale: 'Français' } }],
    ['secrets.cookieKeys.0', { secrets: { cookieKeys: ['too-short'] } }],
    ['portal.helpLinks.0.id', { portal: { helpLinks: [{ id: 'Not Valid', title: { en: 'x' }, url: '/x' }] } }],
    ['log.level', { log: { level: 'loud' } }],
    ['database.poolSize', { database: { poolSize: '10' } }],
  ])('%s', (key, value) => {
    const error = configError(() => fromJson(value));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0].startsWith(`${key}: `)).toBe(true);
    expect(error.message).toContain(key);
  });

  test('an unknown top-level section (a misspelling) is named', () => {
    const error = configError(() => fromJson({ sesion: { ttl: '1h' } }));
    expect(error.message).toContain('sesion');
  });

  test('a section of the wrong type is named', () => {
    const error = configError(() => fromJson({ server: 'localhost' }, { PORT: '3000' }));
    expect(error.problems).toEqual(['server: expected an object']);
    expect(configError(() => fromJson({ session: 42 })).problems[0]).toMatch(/^session: /);
  });

  test('several problems are reported together', () => {
    const error = configError(() => fromJson({ session: { ttl: 'soon' }, server: { port: 'abc' } }));
    expect(error.problems.map((p) => p.split(':')[0]).sort()).toEqual(['server.port', 'session.ttl']);
  });
});

describe('redactConfig', () => {
  const keys = ['a'.repeat(32) + 'first-cookie-key', 'b'.repeat(32) + 'second-cookie-key'];

  test('hides the database password and the cookie keys, without changing the config', () => {
    const sealKey = Buffer.alloc(32, 9).toString('base64');
    const config = loadConfig({ DATABASE_URL: 'postgres://homeroom:S3cret-Pa55@db.internal:5432/homeroom', HOMEROOM_SEAL_KEY: sealKey }, { secrets: { cookieKeys: keys } });
    const redacted = redactConfig(config);
    const text = JSON.stringify(redacted);
    expect(text).not.toContain('S3cret-Pa55');
    for (const key of keys) expect(text).not.toContain(key);
    expect(text).not.toContain(sealKey);
    expect((redacted.database as { url: string }).url).toBe('postgres://***@db.internal:5432/homeroom');
    expect(redacted.secrets).toEqual({ cookieKeys: '[2 configured]', sealKey: '[configured]' });
    expect((redacted.server as { port: number }).port).toBe(3000);
    // The live config still has its secrets.
    expect(config.database.url).toContain('S3cret-Pa55');
    expect(config.secrets.cookieKeys).toEqual(keys);
  });

  test('says when cookie keys are generated, and leaves a URL without credentials alone', () => {
    const redacted = redactConfig(loadConfig({ DATABASE_URL: 'postgres://db.internal/homeroom' }));
    expect(redacted.secrets).toEqual({ cookieKeys: '[generated, stored in database]', sealKey: '[generated, stored in database]' });
    expect((redacted.database as { url: string }).url).toBe('postgres://db.internal/homeroom');
  });

  // pg also reads a password from the query string (postgres://homeroom@db/homeroom?password=…).
  test('hides a password given in the URL query string', () => {
    const redacted = redactConfig(loadConfig({ DATABASE_URL: 'postgres://homeroom@db.internal/homeroom?sslmode=require&password=S3cret-Pa55' }));
    expect(JSON.stringify(redacted)).not.toContain('S3cret-Pa55');
  });
});

describe('insecureConfigWarnings', () => {
  test('http on localhost warns gently; http elsewhere warns about cookies; https is quiet', () => {
    expect(insecureConfigWarnings(loadConfig({}))).toEqual([expect.stringContaining('localhost')]);
    expect(insecureConfigWarnings(loadConfig({ HOMEROOM_ISSUER: 'http://10.0.0.5:3000' }))).toEqual([expect.stringContaining('not https')]);
    expect(insecureConfigWarnings(loadConfig({ HOMEROOM_ISSUER: 'https://id.maple.example', HOMEROOM_TRUST_PROXY: '1' }))).toEqual([]);
  });
});

describe('homeroom config --json', () => {
  test('refuses a bad config file with a non-zero exit and names the key on stderr', () => {
    const path = configFile('yaml', 'session:\n  ttl: soon\n');
    const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'homeroom.js'), 'config', '--json'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, HOMEROOM_CONFIG: path },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.error).toBeUndefined();
    expect(result.status).not.toBe(0);
    expect(result.status).toBe(78); // EX_CONFIG
    expect(result.stderr).toContain('session.ttl');
    expect(result.stdout).toBe('');
  }, 90_000);
});
