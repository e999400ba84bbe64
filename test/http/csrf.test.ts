import type Router from '@koa/router';
import { ADMIN, csrfOf, signedIn } from '../admin/helpers.js';
import { newAccount, uniqueUsername } from '../helpers/factories.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import type { WebClient } from '../helpers/web-client.js';

/**
 * Every state-changing route of our routers refuses a post without the page's CSRF token. The routes are read from the
 * routers mounted on the running app, not listed here, so a router or a form post added later is checked too.
 */

/** Called by the provider, server to server: the signed logout token is the proof, and there is no page to carry a token. */
const BACKCHANNEL_LOGOUT = /\/backchannel-logout$/;
/**
 * SAML's HTTP-POST binding: apps post their messages across sites by design. The message is the proof (a registered
 * issuer, its signature, a one-time ID, a SessionIndex or RelayState only the app was given).
 */
const SAML_BINDINGS = /^\/saml\/(sso|slo)$/;

interface RouteInfo {
  method: string;
  path: string;
}

/** The routes of every router mounted on the app (a router's dispatch middleware points back at its router). */
function mountedRoutes(server: TestServer): RouteInfo[] {
  // Koa keeps the app's middleware in a public array that its types do not declare.
  const middleware = (server.provider as unknown as { middleware: { router?: Router }[] }).middleware;
  const routers = middleware.flatMap((m) => (m.router ? [m.router] : []));
  return routers.flatMap((router) => router.stack.flatMap((layer) => layer.methods.map((method) => ({ method, path: String(layer.path) }))));
}

/** A concrete URL for a route pattern: every parameter gets a well-formed value that names nothing. */
const urlOf = (server: TestServer, path: string) => `${server.url}${path.replace(/:(\w+)/g, (_, name: string) => `${name}-0123456789abcdef`)}`;

async function post(client: WebClient, url: string, fields: Record<string, string>): Promise<{ status: number; code: string | null }> {
  const headers = { cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; '), accept: 'application/json' };
  let response = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  if (response.status === 415) {
    // A form with a file (the apps' form): post it as the browser does.
    await response.arrayBuffer();
    const form = new FormData();
    for (const [key, value] of Object.entries(fields)) form.append(key, value);
    response = await fetch(url, { method: 'POST', redirect: 'manual', headers, body: form });
  }
  const text = await response.text();
  let code: string | null;
  try {
    code = (JSON.parse(text) as { error?: string }).error ?? null;
  } catch {
    code = null;
  }
  return { status: response.status, code };
}

describe('CSRF on the form posts of every router', () => {
  let server: TestServer;
  /** Holds every staff role, so each post gets past its role check and only the CSRF check can refuse it. */
  let client: WebClient;

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    const who = { username: uniqueUsername('csrf'), password: 'Every-Role-Phrase-2026' };
    await server.services.accounts.create(
      newAccount({ username: who.username, roles: ['admin', 'teacher', 'helpdesk', 'staff'], grade: null, passwordHash: await server.services.hasher.hash(who.password) }),
    );
    client = await signedIn(server, who);
  });
  afterAll(() => server.close());

  const posts = () => mountedRoutes(server).filter((r) => r.method !== 'GET' && r.method !== 'HEAD');

  test('the mounted routers hold the form posts of every capability, and no state change by another method', () => {
    const paths = posts().map((r) => r.path);
    for (const known of [
      '/interaction/:uid/password',
      '/claim/:id/:step',
      '/recover/:id/:step',
      '/logout',
      '/admin/apps/:id',
      '/admin/policies',
      '/admin/readiness/refresh',
      '/staff/tickets',
      '/helpdesk/approve',
      '/demo-app/logout',
    ]) {
      expect(paths).toContain(known);
    }
    expect(new Set(posts().map((r) => r.method))).toEqual(new Set(['POST']));
  });

  test('a post without the token, or with a forged one, is refused with 403 CSRF_FAILED', async () => {
    const checked: string[] = [];
    for (const { path } of posts()) {
      if (BACKCHANNEL_LOGOUT.test(path) || SAML_BINDINGS.test(path)) continue;
      const attempts: Record<string, string>[] = [{ note: 'x' }, { _csrf: 'forged-token-forged-token-forged-token-forg', note: 'x' }];
      for (const fields of attempts) {
        const answer = await post(client, urlOf(server, path), fields);
        expect({ path, fields, ...answer }).toEqual({ path, fields, status: 403, code: 'CSRF_FAILED' });
      }
      checked.push(path);
    }
    expect(checked.length).toBeGreaterThanOrEqual(20);
    // Still signed in: none of the refused posts did anything (signing out included).
    const page = await client.get(`${server.url}/admin`);
    expect({ status: page.status, url: page.url }).toEqual({ status: 200, url: `${server.url}/admin` });
  });

  test('only the back-channel logout endpoints take posts without a token, and they want a signed logout token', async () => {
    const exempt = posts()
      .filter((r) => BACKCHANNEL_LOGOUT.test(r.path))
      .map((r) => r.path);
    expect(exempt.sort()).toEqual(['/demo-app/backchannel-logout', '/portal/backchannel-logout', '/saml/backchannel-logout']);
    for (const path of exempt) {
      const answer = await post(client, urlOf(server, path), { logout_token: 'not.a.jwt' });
      expect({ path, ...answer }).toEqual({ path, status: 400, code: 'invalid_request' });
    }
  });

  test('the SAML binding endpoints take cross-site posts, and refuse any that is not a SAML message from a registered app', async () => {
    const exempt = posts()
      .filter((r) => SAML_BINDINGS.test(r.path))
      .map((r) => r.path);
    expect(exempt.sort()).toEqual(['/saml/slo', '/saml/sso']);
    for (const path of exempt) {
      expect({ path, ...(await post(client, urlOf(server, path), { note: 'x' })) }).toEqual({ path, status: 400, code: 'NOT_A_REQUEST' });
      const forged = Buffer.from('<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>').toString('base64');
      expect((await post(client, urlOf(server, path), { SAMLRequest: forged })).status).toBe(400);
    }
  });

  test('the admin signed in from the demo district can still post with the page token (the refusals above are CSRF)', async () => {
    const admin = await signedIn(server, ADMIN);
    await admin.get(`${server.url}/admin/policies`);
    const answer = await post(admin, `${server.url}/admin/readiness/refresh`, { _csrf: csrfOf(admin), back: '/admin/readiness' });
    expect(answer.status).toBe(303);
  });
});
