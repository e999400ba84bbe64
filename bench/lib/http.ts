/**
 * A deliberately cheap HTTP client for the login bench: node:http over a keep-alive agent, a per-login cookie jar,
 * and no redirect following (the caller drives each hop, like a browser without JavaScript). fetch/undici would do
 * the same job at several times the CPU per request, and every millisecond the client burns on this 2-core machine
 * is a millisecond the server does not get.
 */
import { Agent, request as httpRequest } from 'node:http';

export interface Reply {
  status: number;
  location: string | null;
  body: string;
}

/** Cookies of one browser session. Paths are ignored (like test/helpers/web-client.ts): extra cookies are harmless here. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(setCookie: string[] | undefined): void {
    if (!setCookie) return;
    for (const header of setCookie) {
      const semi = header.indexOf(';');
      const pair = semi === -1 ? header : header.slice(0, semi);
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = value === '' || /expires=Thu, 01 Jan 1970/i.test(header);
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    let out = '';
    for (const [name, value] of this.cookies) out += `${out ? '; ' : ''}${name}=${value}`;
    return out;
  }

  has(name: string): boolean {
    return this.cookies.has(name);
  }
}

export class HttpClient {
  readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(
    readonly base: string,
    maxSockets = 64,
  ) {
    const url = new URL(base);
    this.host = url.hostname;
    this.port = Number(url.port || 80);
    // Idle sockets are closed after 4 s, before Node's server closes them (keepAliveTimeout 5 s): reusing a socket the
    // server is closing at that moment fails with ECONNRESET, a client artefact that is not a failed login.
    this.agent = new Agent({ keepAlive: true, maxSockets, timeout: 4000 });
  }

  /**
   * One request, no redirect following. The body is read only when `wantBody` (the login pages, for their CSRF
   * token); otherwise it is drained unread.
   */
  send(
    method: 'GET' | 'POST',
    path: string,
    jar: CookieJar | null,
    form?: Record<string, string>,
    wantBody = false,
    timeoutMs = 30_000,
    extraHeaders: Record<string, string> = {},
  ): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      const body = form ? new URLSearchParams(form).toString() : undefined;
      const headers: Record<string, string | number> = { accept: 'text/html', 'accept-language': 'en', ...extraHeaders };
      const cookie = jar?.header();
      if (cookie) headers.cookie = cookie;
      if (body !== undefined) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        headers['content-length'] = Buffer.byteLength(body);
      }
      const req = httpRequest({ host: this.host, port: this.port, method, path, headers, agent: this.agent }, (res) => {
        jar?.store(res.headers['set-cookie']);
        const status = res.statusCode ?? 0;
        const location = typeof res.headers.location === 'string' ? res.headers.location : null;
        if (!wantBody && status < 400) {
          res.resume();
          res.on('end', () => resolve({ status, location, body: '' }));
          res.on('error', reject);
          return;
        }
        // Error pages are read too, so a failure can be explained.
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status, location, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${method} ${path}`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Path and query of a Location header (absolute or relative), for the next hop on the same server. */
export function pathOf(location: string, base: string): string {
  const url = new URL(location, base);
  return url.pathname + url.search;
}
