import type Router from '@koa/router';
import fc from 'fast-check';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';
import { ADMIN, signedIn, TEACHER } from '../admin/helpers.js';

/**
 * Every route of every router, GET and POST, fuzzed as an anonymous visitor, a teacher and an administrator: path,
 * query and form values that are huge, empty, binary, invalid UTF-8, control characters, markup, SQL- and path-shaped,
 * sent with right and wrong content types. The answer is always a 4xx or a normal page (2xx, 3xx), never a 5xx, and
 * markup sent is never echoed unescaped into an HTML page. Forms are posted with their real hidden fields (the CSRF
 * token of the browser's session, a flow's own fields), so the handlers themselves are reached.
 *
 * FUZZ_SEED=<n> replays a run; FUZZ_RUNS=<n> sets the number of requests (default: 800 on SQLite, 300 on PostgreSQL).
 */

type Role = 'anonymous' | 'teacher' | 'admin';
const ROLES: Role[] = ['anonymous', 'teacher', 'admin'];

interface Route {
  method: 'GET' | 'POST';
  path: string;
  layer: Layer;
}

/** What @koa/router's layers offer for matching a path (its own route table). */
interface Layer {
  path: string;
  methods: string[];
  paramNames: { name: string }[];
  match(path: string): boolean;
  params(path: string, captures: string[], existing?: Record<string, string>): Record<string, string>;
  captures(path: string): string[];
}

interface Form {
  action: string;
  fields: [string, string][];
  hidden: Set<string>;
}

/** A value as it goes on the wire, already percent-encoded (so that invalid UTF-8 can be sent). */
type Wire = string;

const MARKER = 'hrfz';
/** Markup whose unescaped echo would be an injection; the marker finds it in the page. */
const MARKUP = [
  `<script>${MARKER}()</script>`,
  `"><img src=x onerror=${MARKER}()>`,
  `'><svg onload=${MARKER}>`,
  `<a href="javascript:${MARKER}()">x</a>`,
  `</textarea><${MARKER}>`,
];
const SHAPED = [
  "' OR '1'='1",
  '1; DROP TABLE accounts; --',
  '" OR ""="',
  "admin'--",
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%2e%2e%2f%2e%2e%2f',
  '//evil.example',
  '/\\evil.example',
  'javascript:alert(1)',
  '${7*7}{{7*7}}<%= 7*7 %>',
  '__proto__',
  'constructor',
  '-1',
  '0',
  '1e400',
  'NaN',
  'Infinity',
  '9999-12-31',
  '0000-00-00',
  '2026-02-30',
  '99999999999999999999999',
  'true',
  'null',
  'undefined',
  '[]',
  '{}',
];

/** Percent-encodes every byte of the UTF-8 form (lone surrogates become U+FFFD, as a browser sends them). */
const encodeBytes = (bytes: Uint8Array): Wire =>
  [...bytes].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0').toUpperCase()}`)).join('');
const encodeText = (text: string): Wire => encodeBytes(Buffer.from(text, 'utf8'));

const wireValue: fc.Arbitrary<Wire> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...MARKUP, ...SHAPED).map(encodeText) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }).map(encodeText) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }).map(encodeText) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }).map(encodeText) },
  { weight: 1, arbitrary: fc.constant('') },
  // Invalid UTF-8: lone continuation bytes, overlong forms, truncated sequences, NUL.
  { weight: 2, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 24 }).map(encodeBytes) },
  { weight: 1, arbitrary: fc.constantFrom('%C0%AF', '%ED%A0%80', '%F8%88%80%80%80', '%E2%82', '%FF%FE', '%00', '%C3%28') },
  { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 31 }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 10 }).map(encodeText) },
  // Huge: past the form limit (64 KB), and long enough to hurt a naive regular expression or column.
  { weight: 1, arbitrary: fc.constantFrom(70_000, 5_000, 300).chain((n) => fc.constantFrom('a', '<', '%', '9').map((c) => encodeText(c.repeat(n)))) },
);

/**
 * A value for the request line (path or query) in the same families, cut to 3,000 characters: Node's HTTP parser
 * drops a request whose headers pass 16 KB before any handler sees it (the huge values go in bodies).
 */
const wireShort: fc.Arbitrary<Wire> = wireValue.map((w) => (w.length > 3000 ? w.slice(0, 3000).replace(/%[0-9A-F]?$/, '') : w));
const wireParam: fc.Arbitrary<Wire> = wireShort.map((w) => w || '%20');

const CONTENT_TYPES = [
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'multipart/form-data; boundary=----hrfz',
  'multipart/form-data',
  'application/json',
  'text/plain',
  'text/xml',
  '',
];

/** Query parameter names the app reads somewhere, and a few it does not. */
const QUERY_NAMES = [
  'page',
  'from',
  'to',
  'user',
  'actor',
  'type',
  'interaction',
  'lang',
  'done',
  'filter',
  'in',
  'approved',
  'skipped',
  'rejected',
  'v',
  'state',
  'error',
  'ui_locales',
  'id_token_hint',
  'client_id',
  'post_logout_redirect_uri',
  'SAMLRequest',
  'RelayState',
  'flow',
  'x',
];

/** A provider endpoint from the discovery document: oidc-provider routes it itself, outside our routers. */
function fixedLayer(path: string): Layer {
  return { path, methods: ['GET', 'POST'], paramNames: [], match: (p) => p === path, params: () => ({}), captures: () => [] };
}

async function routeTable(server: TestServer): Promise<Route[]> {
  const routes = new Map<string, Route>();
  const discovery = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
  for (const [name, value] of Object.entries(discovery)) {
    if (!name.endsWith('_endpoint') || typeof value !== 'string' || !value.startsWith(server.url)) continue;
    const path = new URL(value).pathname;
    for (const method of ['GET', 'POST'] as const) routes.set(`${method} ${path}`, { method, path, layer: fixedLayer(path) });
  }
  for (const middleware of server.provider.middleware as unknown as { router?: Router }[]) {
    const stack = (middleware.router?.stack ?? []) as unknown as Layer[];
    for (const layer of stack) {
      for (const method of layer.methods) {
        if (method !== 'GET' && method !== 'POST') continue;
        routes.set(`${method} ${layer.path}`, { method, path: layer.path, layer });
      }
    }
  }
  return [...routes.values()];
}

function attr(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag);
  return match?.[1]
    .replace(/&#34;|&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The forms of a page with every named field (hidden ones remembered as such). */
function formsOf(html: string, pageUrl: string): Form[] {
  const forms: Form[] = [];
  for (const [, tagAttrs, inner] of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    if ((attr(` ${tagAttrs}`, 'method') ?? 'get').toLowerCase() !== 'post') continue;
    const fields: [string, string][] = [];
    const hidden = new Set<string>();
    for (const [tag] of inner.matchAll(/<(?:input|textarea|select)\b[^>]*>/gi)) {
      const name = attr(tag, 'name');
      if (!name) continue;
      if (/type="hidden"/i.test(tag)) hidden.add(name);
      fields.push([name, attr(tag, 'value') ?? '']);
    }
    forms.push({ action: new URL(attr(` ${tagAttrs}`, 'action') ?? '', pageUrl).pathname, fields, hidden });
  }
  return forms;
}

interface Known {
  /** Real paths seen for a route (links and form actions of the pages crawled). */
  paths: Map<string, string[]>;
  /** Real forms seen for a POST route. */
  forms: Map<string, Form[]>;
}

/** Follows the links a person in this role sees (GET only, never signing out), to learn real ids, forms and tokens. */
async function crawl(server: TestServer, client: WebClient, routes: Route[], starts: string[], budget = 45): Promise<Known> {
  const known: Known = { paths: new Map(), forms: new Map() };
  const seen = new Set<string>();
  const queue = [...starts];
  const note = (method: string, path: string) => {
    for (const route of routes) {
      if (route.method !== method || !route.layer.match(path)) continue;
      const key = `${route.method} ${route.path}`;
      const list = known.paths.get(key) ?? [];
      if (!list.includes(path)) list.push(path);
      known.paths.set(key, list);
      return key;
    }
    return null;
  };
  while (queue.length && seen.size < budget) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const page = await client.get(`${server.url}${path}`);
    const url = new URL(page.url);
    note('GET', url.pathname);
    for (const form of formsOf(page.html, page.url)) {
      const key = note('POST', form.action);
      if (key) known.forms.set(key, [...(known.forms.get(key) ?? []), form]);
    }
    for (const [, href] of page.html.matchAll(/<a\b[^>]*\shref="([^"#]+)"/g)) {
      const target = new URL(href.replace(/&amp;/g, '&'), page.url);
      if (target.origin !== server.url || /logout|signed-out|\.csv$/.test(target.pathname)) continue;
      const next = `${target.pathname}${target.search}`;
      if (!seen.has(next)) queue.push(next);
    }
  }
  return known;
}

interface Case {
  role: Role;
  route: number;
  realPath: boolean;
  pathPick: number;
  params: Wire[];
  query: [string, Wire][];
  repeatQuery: boolean;
  formPick: number;
  fuzzFields: number[];
  values: Wire[];
  extraField: [string, Wire] | null;
  contentType: number;
}

describe.each(ENGINES)('fuzzing every route (%s)', (engine) => {
  let server: TestServer;
  let routes: Route[];
  const clients = {} as Record<Role, WebClient>;
  const known = {} as Record<Role, Known>;

  beforeAll(async () => {
    server = await startTestServer(engine);
    routes = await routeTable(server);
    clients.anonymous = new WebClient();
    clients.teacher = await signedIn(server, TEACHER);
    clients.admin = await signedIn(server, ADMIN);
    known.anonymous = await crawl(server, clients.anonymous, routes, ['/', '/claim', '/recover', '/help/wifi', '/demo-app/']);
    known.teacher = await crawl(server, clients.teacher, routes, ['/', '/staff', '/help/login']);
    known.admin = await crawl(server, clients.admin, routes, [
      '/admin',
      '/admin/apps',
      '/admin/help-links',
      '/admin/policies',
      '/admin/readiness',
      '/admin/roster',
      '/admin/lockouts',
      '/helpdesk',
      '/admin/audit',
    ]);
  }, 300_000);
  afterAll(() => server?.close());

  test('the route table comes from the app, and the crawl reached real forms', () => {
    const names = routes.map((r) => `${r.method} ${r.path}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'GET /auth',
        'POST /token',
        'GET /session/end',
        'GET /admin/audit',
        'POST /admin/policies',
        'GET /claim/:id',
        'POST /claim/:id/:step',
        'POST /interaction/:uid/password',
        'POST /helpdesk/approve',
      ]),
    );
    expect([...known.admin.forms.keys()]).toEqual(expect.arrayContaining(['POST /admin/policies', 'POST /admin/help-links']));
    expect([...known.anonymous.forms.keys()]).toEqual(expect.arrayContaining(['POST /interaction/:uid/username', 'POST /claim/:id/:step']));
  });

  const statuses = new Map<number, number>();
  /** POST routes whose handler a request reached (past the CSRF and same-origin checks), by role. */
  const reached = new Set<string>();

  /** Sends one request as `role` and checks the answer; the message says how to replay it. */
  async function send(role: Role, route: Route, path: string, search: string, fields: [string, Wire][] | null, contentType: string): Promise<void> {
    const url = `${server.url}${path}${search ? `?${search}` : ''}`;
    const body = fields ? fields.map(([name, value]) => `${encodeText(name)}=${value}`).join('&') : undefined;
    const headers: Record<string, string> = {
      cookie: [...clients[role].cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      accept: 'text/html,application/xhtml+xml',
      'sec-fetch-site': 'same-origin',
      origin: server.url,
    };
    if (body !== undefined && contentType) headers['content-type'] = contentType;
    const response = await fetch(url, { method: route.method, body, headers, redirect: 'manual' });
    const text = await response.text();
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    if (route.method === 'POST' && !(response.status === 403 && /CSRF_FAILED|CROSS_SITE/.test(text))) reached.add(`${role} ${route.method} ${route.path}`);
    const where = `${route.method} ${url.slice(0, 300)}${body ? `\nbody: ${body.slice(0, 300)}` : ''}\nas ${role}, content-type ${contentType || '(none)'}`;
    if (response.status >= 500) throw new Error(`${response.status} for ${where}\n${text.slice(0, 500)}`);
    if ((response.headers.get('content-type') ?? '').startsWith('text/html')) {
      const raw = [...MARKUP, `<${MARKER}`].find((m) => text.includes(m.slice(m.indexOf('<'))));
      if (raw) throw new Error(`markup echoed unescaped (${raw}) for ${where}`);
    }
  }

  /** Signing out would end a role's session for the rest of the run: those forms are fuzzed anonymously only. */
  const signsOut = (role: Role, route: Route) => role !== 'anonymous' && /logout|session\/end/.test(route.path);

  test('every form the crawl found, every field filled with each kind of bad value: its handler answers, never a 5xx', async () => {
    const payloads = [MARKUP[0], MARKUP[1], '1e400', '../../etc/passwd', "' OR '1'='1", '9999-12-31', 'a'.repeat(70_000), ''].map(encodeText).concat(['%FF%FE%00']);
    let posted = 0;
    for (const role of ROLES) {
      for (const [key, forms] of known[role].forms) {
        const route = routes.find((r) => `${r.method} ${r.path}` === key)!;
        if (signsOut(role, route)) continue;
        const form = forms[forms.length - 1];
        for (const payload of payloads) {
          const fields = form.fields.map(([name, value]): [string, Wire] => [name, form.hidden.has(name) ? encodeText(value) : payload]);
          await send(role, route, form.action, '', fields, 'application/x-www-form-urlencoded');
        }
        const real = form.fields.map(([name, value]): [string, Wire] => [name, encodeText(value)]);
        for (const contentType of CONTENT_TYPES.slice(2)) await send(role, route, form.action, '', real, contentType);
        posted += 1;
        expect({ role, key, reached: reached.has(`${role} ${key}`) }).toEqual({ role, key, reached: true });
      }
    }
    console.log(`${posted} forms (by role) posted with ${payloads.length} kinds of bad value and ${CONTENT_TYPES.length - 2} wrong content types each`);
    expect(posted).toBeGreaterThanOrEqual(10);
  }, 300_000);

  test('random requests to every route: never a 5xx, never markup echoed unescaped', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
    const numRuns = Number(process.env.FUZZ_RUNS ?? (engine === 'sqlite' ? 800 : 300));
    statuses.clear();

    const arbitrary = fc.record<Case>({
      role: fc.constantFrom(...ROLES),
      route: fc.nat({ max: routes.length - 1 }),
      realPath: fc.boolean(),
      pathPick: fc.nat(),
      params: fc.array(wireParam, { minLength: 3, maxLength: 3 }),
      query: fc.array(fc.tuple(fc.constantFrom(...QUERY_NAMES), wireShort), { maxLength: 3 }),
      repeatQuery: fc.boolean(),
      formPick: fc.nat(),
      fuzzFields: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
      values: fc.array(wireValue, { minLength: 3, maxLength: 3 }),
      extraField: fc.option(fc.tuple(fc.constantFrom(...QUERY_NAMES, '_csrf', 'password', 'username'), wireValue), { freq: 4 }),
      contentType: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.nat({ max: CONTENT_TYPES.length - 1 }) }),
    });

    const property = fc.asyncProperty(arbitrary, async (c) => {
      const route = routes[c.route];
      const key = `${route.method} ${route.path}`;
      const role = c.role;
      if (signsOut(role, route)) return;
      const real = known[role].paths.get(key) ?? [];
      let path: string;
      if (c.realPath && real.length) path = real[c.pathPick % real.length];
      else {
        let i = 0;
        path = route.path.replace(/:(\w+)/g, () => c.params[i++ % c.params.length]);
      }
      let search = c.query.map(([name, value]) => `${name}=${value}`).join('&');
      if (c.repeatQuery && c.query.length) search += `&${c.query[0][0]}=${c.query[0][1]}`;

      let fields: [string, Wire][] | null = null;
      if (route.method === 'POST') {
        const forms = known[role].forms.get(key) ?? [];
        const form = forms.length ? forms[c.formPick % forms.length] : null;
        const filled: [string, Wire][] = (form?.fields ?? [['_csrf', '']]).map(([name, value]) => [name, encodeText(value)]);
        // Fuzz visible fields; a hidden one (the token, a flow's own field) now and then.
        const candidates = filled.map((_, i) => i).filter((i) => !form?.hidden.has(filled[i][0]) || c.fuzzFields[0] % 7 === 0);
        c.fuzzFields.forEach((pick, n) => {
          if (candidates.length) filled[candidates[pick % candidates.length]] = [filled[candidates[pick % candidates.length]][0], c.values[n % c.values.length]];
        });
        if (c.extraField) filled.push(c.extraField);
        fields = filled;
      }
      await send(role, route, path, search, fields, CONTENT_TYPES[c.contentType]);
    });

    try {
      await fc.assert(property, { seed, numRuns, endOnFailure: true });
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause;
      throw new Error(`Fuzzing failed; replay with FUZZ_SEED=${seed} FUZZ_RUNS=${numRuns}\n${cause?.message ?? ''}\n${(error as Error).message}`, { cause: error });
    }
    console.log(`fuzz seed ${seed}, ${numRuns} requests over ${routes.length} routes; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  }, 600_000);
});
