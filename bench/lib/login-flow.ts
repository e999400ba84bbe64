/**
 * One complete username-first login over HTTP, as a browser without JavaScript does it:
 *   GET /auth?… → 303 /interaction/<uid> → GET (username page, CSRF token) → POST …/username → 303 →
 *   GET (password page) → POST …/password → 303 /auth/<uid> → 303 redirect_uri?code=… → POST /token
 * as the app's back end does it (the code and the client's secret, HTTP Basic). Success means the redirect URI was
 * reached with a code and the state that was sent, and the code bought an ID token.
 */
import { randomBytes } from 'node:crypto';
import { CookieJar, HttpClient, pathOf, type Reply } from './http.js';

export const STEPS = ['GET /auth', 'GET username page', 'POST username', 'GET password page', 'POST password (argon2)', 'GET /auth/<uid> resume', 'POST /token'] as const;

export interface LoginTarget {
  base: string;
  clientId: string;
  redirectUri: string;
  clientSecret: string;
}

export type LoginResult = { ok: true; ms: number; stepMs: number[] } | { ok: false; ms: number; stepMs: number[]; error: string };

const CSRF = /name="_csrf"\s+value="([^"]+)"/;

class StepError extends Error {}

function expectRedirect(reply: Reply, step: string, to?: RegExp): string {
  if (reply.status < 300 || reply.status >= 400 || !reply.location) {
    const alert = /role="alert"[^>]*>([\s\S]*?)<\/div>/
      .exec(reply.body)?.[1]
      ?.replace(/<[^>]+>/g, '')
      .trim();
    throw new StepError(`${step}: expected a redirect, got ${reply.status}${alert ? ` (${alert})` : ''}`);
  }
  if (to && !to.test(reply.location)) throw new StepError(`${step}: redirected to unexpected ${reply.location.slice(0, 120)}`);
  return reply.location;
}

function expectPage(reply: Reply, step: string, action: string): string {
  if (reply.status !== 200) throw new StepError(`${step}: expected 200, got ${reply.status}`);
  if (!reply.body.includes(action)) throw new StepError(`${step}: page has no form posting to ${action}`);
  const token = CSRF.exec(reply.body)?.[1];
  if (!token) throw new StepError(`${step}: page has no _csrf field`);
  return token;
}

export async function loginOnce(http: HttpClient, target: LoginTarget, username: string, password: string): Promise<LoginResult> {
  const jar = new CookieJar(); // a fresh browser session per login: every login checks a password
  const stepMs: number[] = [];
  const started = performance.now();
  let mark = started;
  const lap = () => {
    const now = performance.now();
    stepMs.push(now - mark);
    mark = now;
  };
  try {
    const state = randomBytes(9).toString('base64url');
    const query = new URLSearchParams({
      client_id: target.clientId,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: target.redirectUri,
      state,
      nonce: randomBytes(9).toString('base64url'),
    });
    const auth = await http.send('GET', `/auth?${query}`, jar);
    const interaction = pathOf(expectRedirect(auth, STEPS[0], /\/interaction\/[^/?]+$/), target.base);
    lap();

    const usernamePage = await http.send('GET', interaction, jar, undefined, true);
    const csrf1 = expectPage(usernamePage, STEPS[1], `${interaction}/username`);
    lap();

    const afterUsername = await http.send('POST', `${interaction}/username`, jar, { _csrf: csrf1, username });
    expectRedirect(afterUsername, STEPS[2], new RegExp(`${interaction}$`));
    lap();

    const passwordPage = await http.send('GET', interaction, jar, undefined, true);
    const csrf2 = expectPage(passwordPage, STEPS[3], `${interaction}/password`);
    lap();

    const afterPassword = await http.send('POST', `${interaction}/password`, jar, { _csrf: csrf2, password });
    const resume = pathOf(expectRedirect(afterPassword, STEPS[4], /\/auth\/[^/?]+$/), target.base);
    lap();

    const final = await http.send('GET', resume, jar);
    const landing = expectRedirect(final, STEPS[5]);
    lap();
    const url = new URL(landing, target.base);
    if (`${url.origin}${url.pathname}` !== target.redirectUri) throw new StepError(`${STEPS[5]}: landed on ${url.origin}${url.pathname}, not the redirect URI`);
    if (url.searchParams.get('error')) throw new StepError(`${STEPS[5]}: ${url.searchParams.get('error')}: ${url.searchParams.get('error_description')}`);
    if (!url.searchParams.get('code')) throw new StepError(`${STEPS[5]}: no code in the redirect`);
    if (url.searchParams.get('state') !== state) throw new StepError(`${STEPS[5]}: state mismatch`);

    const basic = Buffer.from(`${encodeURIComponent(target.clientId)}:${encodeURIComponent(target.clientSecret)}`).toString('base64');
    const token = await http.send(
      'POST',
      '/token',
      null,
      { grant_type: 'authorization_code', code: url.searchParams.get('code')!, redirect_uri: target.redirectUri },
      true,
      30_000,
      { accept: 'application/json', authorization: `Basic ${basic}` },
    );
    if (token.status !== 200) throw new StepError(`${STEPS[6]}: expected 200, got ${token.status} ${token.body.slice(0, 200)}`);
    if (!/"id_token"\s*:\s*"[^"]+"/.test(token.body)) throw new StepError(`${STEPS[6]}: no id_token in the answer`);
    lap();
    return { ok: true, ms: performance.now() - started, stepMs };
  } catch (error) {
    const message = error instanceof StepError ? error.message : `network: ${(error as Error).message}`;
    return { ok: false, ms: performance.now() - started, stepMs, error: message };
  }
}
