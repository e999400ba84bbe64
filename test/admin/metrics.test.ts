import { loadConfig, ConfigError } from '../../src/config/load.js';
import { routeGroup } from '../../src/http/metrics.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';
import { signedIn, STUDENT } from './helpers.js';

const TOKEN = 'metrics-token-0123456789abcdef';

/** GET /metrics: Prometheus text format, off by default, then only with the configured bearer token. */
describe('operations: /metrics', () => {
  let server: TestServer;
  let off: TestServer;

  beforeAll(async () => {
    server = await startTestServer('sqlite', { overrides: { metrics: { enabled: true, token: TOKEN } } });
    off = await startTestServer('sqlite', { demo: false });
  });
  afterAll(async () => {
    await server.close();
    await off.close();
  });

  const scrape = (target: TestServer, token?: string) => fetch(`${target.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  function value(text: string, series: string): number {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.split(' ')[1]) : 0;
  }

  test('off unless enabled, and then 404 without the right bearer token', async () => {
    expect((await scrape(off)).status).toBe(404);
    expect((await scrape(off, TOKEN)).status).toBe(404);
    expect((await scrape(server)).status).toBe(404);
    expect((await scrape(server, 'wrong-token-wrong-token')).status).toBe(404);
    const ok = await scrape(server, TOKEN);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toContain('text/plain');
    expect(ok.headers.get('cache-control')).toBe('no-store');
  });

  test('enabling metrics without a token is a configuration error, and the token never appears in `homeroom config`', async () => {
    expect(() => loadConfig({ HOMEROOM_DEMO: '0' }, { metrics: { enabled: true } })).toThrow(ConfigError);
    const { redactConfig } = await import('../../src/config/load.js');
    expect(JSON.stringify(redactConfig(server.config))).not.toContain(TOKEN);
  });

  test('counts logins (from the domain events), failures, throttles and request latency by route group', async () => {
    const before = await (await scrape(server, TOKEN)).text();
    await signedIn(server, STUDENT);
    const wrong = new WebClient();
    await wrong.get(`${server.url}/`);
    await wrong.submit('/username', { username: 'S0100002' });
    await wrong.submit('/password', { password: 'not-the-password' });

    const after = await (await scrape(server, TOKEN)).text();
    expect(value(after, 'homeroom_logins_total{outcome="success"}') - value(before, 'homeroom_logins_total{outcome="success"}')).toBe(1);
    expect(value(after, 'homeroom_logins_total{outcome="failure"}') - value(before, 'homeroom_logins_total{outcome="failure"}')).toBe(1);
    expect(value(after, 'homeroom_events_total{type="login.succeeded"}')).toBeGreaterThanOrEqual(1);
    expect(after).toMatch(/homeroom_http_request_duration_seconds_count\{group="login",method="POST",status="3xx"\} \d+/);
    expect(after).toMatch(/homeroom_http_request_duration_seconds_bucket\{le="0\.1",group="portal",method="GET",status="2xx"\} \d+/);
    expect(after).toContain('# TYPE homeroom_claims_total counter');
    expect(after).toContain('# TYPE homeroom_recoveries_total counter');
    expect(after).toContain('# TYPE homeroom_throttled_total counter');
    expect(after).toContain('homeroom_process_cpu_seconds_total');
  });

  test('route groups are a fixed handful of labels', () => {
    expect(routeGroup('/interaction/abc123/password')).toBe('login');
    expect(routeGroup('/token')).toBe('oidc_token');
    expect(routeGroup('/')).toBe('portal');
    expect(routeGroup('/admin/apps/xyz')).toBe('admin');
    expect(routeGroup('/saml/sso')).toBe('saml');
    expect(routeGroup('/apps/xyz/icon')).toBe('icons');
    expect(routeGroup('/claim/abc')).toBe('claim');
    expect(routeGroup('/nothing/here')).toBe('other');
  });
});
