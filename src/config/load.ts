import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './config-error.js';
import { configSchema, type ParsedConfig } from './schema.js';

export type Config = ParsedConfig & {
  /** Resolved issuer (never undefined after loading). */
  issuer: string;
  /** True when the issuer is https: cookies are then marked Secure. */
  secureCookies: boolean;
  /** Which engine the store runs on. */
  databaseEngine: 'sqlite' | 'postgres';
  /** Where the config file came from, if any. */
  source: string | null;
};

export { ConfigError };

type Env = Record<string, string | undefined>;

function readFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`HOMEROOM_CONFIG: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  try {
    const data = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
    if (data === null || data === undefined) return {};
    if (typeof data !== 'object' || Array.isArray(data)) throw new Error('the top level must be an object');
    return data as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError([`HOMEROOM_CONFIG: ${path} is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message}`]);
  }
}

function section(raw: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = raw[key];
  if (value === undefined) {
    raw[key] = {};
    return raw[key] as Record<string, unknown>;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError([`${key}: expected an object`]);
  }
  return value as Record<string, unknown>;
}

/** Layers documented defaults, then the file named by HOMEROOM_CONFIG, then environment variables. */
export function loadConfig(env: Env = process.env, overrides: Record<string, unknown> = {}): Config {
  const source = env.HOMEROOM_CONFIG ? resolve(env.HOMEROOM_CONFIG) : null;
  const raw: Record<string, unknown> = source ? readFile(source) : {};
  for (const [key, value] of Object.entries(overrides)) {
    Object.assign(section(raw, key), value as object);
  }

  if (env.PORT !== undefined && env.PORT !== '') section(raw, 'server').port = env.PORT;
  if (env.HOMEROOM_ISSUER) section(raw, 'server').issuer = env.HOMEROOM_ISSUER;
  if (env.DATABASE_URL) section(raw, 'database').url = env.DATABASE_URL;
  if (env.HOMEROOM_DATA_DIR) section(raw, 'database').dataDir = env.HOMEROOM_DATA_DIR;
  if (env.HOMEROOM_DEMO !== undefined && env.HOMEROOM_DEMO !== '') {
    section(raw, 'demo').enabled = !['0', 'false', 'no', 'off'].includes(env.HOMEROOM_DEMO.toLowerCase());
  }
  if (env.LOG_LEVEL) section(raw, 'log').level = env.LOG_LEVEL;
  if (env.HOMEROOM_TRUST_PROXY !== undefined && env.HOMEROOM_TRUST_PROXY !== '') {
    section(raw, 'server').trustProxy = ['1', 'true', 'yes', 'on'].includes(env.HOMEROOM_TRUST_PROXY.toLowerCase());
  }
  if (env.HOMEROOM_SEAL_KEY) section(raw, 'secrets').sealKey = env.HOMEROOM_SEAL_KEY;

  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`));
  }
  const parsed = result.data;
  const issuer = (parsed.server.issuer ?? `http://localhost:${parsed.server.port}`).replace(/\/+$/, '');
  if (issuer.startsWith('https://') && !parsed.server.trustProxy) {
    throw new ConfigError([
      'server.trustProxy: an https issuer needs a TLS-terminating reverse proxy; set server.trustProxy (or HOMEROOM_TRUST_PROXY=1) so Homeroom sees the original https request',
    ]);
  }
  const url = parsed.database.url;
  if (url && !/^postgres(ql)?:\/\//.test(url)) {
    throw new ConfigError(['database.url: only postgres:// URLs are supported; leave it unset for SQLite']);
  }
  return {
    ...parsed,
    issuer,
    secureCookies: issuer.startsWith('https://'),
    databaseEngine: url ? 'postgres' : 'sqlite',
    source,
  };
}

/** Hides the credentials of a database URL: user:password@ and the query parameters pg also reads them from. */
function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.username || url.password) {
      url.username = '***';
      url.password = '';
    }
    for (const key of [...url.searchParams.keys()]) {
      if (/pass|secret|key|cert/i.test(key)) url.searchParams.set(key, '***');
    }
    return url.toString();
  } catch {
    return value.replace(/\/\/([^@/]*)@/, '//***@');
  }
}

/** The effective configuration with secrets and credentials removed, for `homeroom config --json`. */
export function redactConfig(config: Config): Record<string, unknown> {
  const copy = structuredClone(config);
  if (copy.database.url) copy.database.url = redactUrl(copy.database.url);
  if (copy.metrics.token) copy.metrics.token = '[configured]';
  const secrets = {
    cookieKeys: copy.secrets.cookieKeys.length ? `[${copy.secrets.cookieKeys.length} configured]` : '[generated, stored in database]',
    sealKey: copy.secrets.sealKey ? '[configured]' : '[generated, stored in database]',
  };
  return { ...copy, secrets };
}

/** Development defaults that are fine on a laptop and wrong in production. */
export function insecureConfigWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (!config.secureCookies && !/^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(config.issuer)) {
    warnings.push(`issuer ${config.issuer} is not https: cookies cannot be marked Secure`);
  } else if (!config.secureCookies) {
    warnings.push('issuer is http://localhost: fine for trying Homeroom, never for a district');
  }
  return warnings;
}
