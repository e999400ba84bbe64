import { recentServerErrors } from './server-log.js';

/**
 * A small cookie-keeping HTTP client that behaves like a browser without JavaScript: it follows redirects, keeps
 * cookies, and submits the HTML forms it is shown. Tests drive the real pages with it.
 */
export interface Page {
  status: number;
  url: string;
  html: string;
  headers: Headers;
}

export interface FormData {
  action: string;
  fields: Record<string, string>;
}

function decode(value: string): string {
  return value
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#34;|&quot;/g, '"')
    .replace(/&#39;/g, "'");
}

function attr(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag);
  return match ? decode(match[1]) : undefined;
}

export class WebClient {
  readonly cookies = new Map<string, string>();
  /** Every Set-Cookie header received, in order, with its attributes (Expires, HttpOnly …). */
  readonly setCookies: string[] = [];
  page: Page | null = null;

  /** Redirects to URLs starting with this are not followed (a relying party's callback that no server answers). */
  stopAt: string | null = null;
  /** Chooses which server a request really goes to (several app processes behind one issuer). */
  route: (url: string) => string = (url) => url;
  /** Sees every response, redirects included (which node of a cluster answered). */
  observe: (response: Response) => void = () => undefined;

  constructor(readonly headers: Record<string, string> = {}) {}

  private store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      this.setCookies.push(header);
      const [pair, ...attributes] = header.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}, maxRedirects = 20): Promise<Page> {
    let current = url;
    let method = init.method ?? 'GET';
    let body = init.body;
    for (let hop = 0; hop <= maxRedirects; hop += 1) {
      if (this.stopAt && current.startsWith(this.stopAt)) {
        this.page = { status: 0, url: current, html: '', headers: new Headers() };
        return this.page;
      }
      const send = () =>
        fetch(this.route(current), {
          method,
          body,
          redirect: 'manual',
          headers: {
            ...this.headers,
            ...(init.headers ?? {}),
            ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
            cookie: this.cookieHeader(),
          },
        });
      // Like a browser, retry a GET once when a kept-alive connection turns out closed (the server restarted).
      const response = await send().catch((error: Error) => {
        if (method !== 'GET') throw error;
        return send();
      });
      this.store(response);
      this.observe(response);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        current = new URL(location, current).href;
        method = 'GET';
        body = undefined;
        await response.arrayBuffer();
        continue;
      }
      this.page = { status: response.status, url: current, html: await response.text(), headers: response.headers };
      if (this.page.html.includes('document.forms[0].submit()')) {
        // The provider's self-submitting form (form_post, or ending a sibling's session before a new sign-in):
        // a browser without JavaScript shows a Continue button; press it.
        const form = this.form('');
        current = form.action;
        method = 'POST';
        body = new URLSearchParams(form.fields).toString();
        continue;
      }
      return this.page;
    }
    throw new Error(`too many redirects from ${url}`);
  }

  get(url: string): Promise<Page> {
    return this.request(url);
  }

  /** The form on the current page whose action contains `actionPart`, with its hidden and pre-filled fields. */
  form(actionPart: string): FormData {
    if (!this.page) throw new Error('no page loaded');
    const forms = [...this.page.html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)];
    for (const [, tagAttrs, inner] of forms) {
      const action = attr(`<form ${tagAttrs}`, 'action') ?? '';
      if (!action.includes(actionPart)) continue;
      const fields: Record<string, string> = {};
      for (const [input] of inner.matchAll(/<input\b[^>]*>/gi)) {
        const name = attr(input, 'name');
        if (name) fields[name] = attr(input, 'value') ?? '';
      }
      return { action: new URL(action, this.page.url).href, fields };
    }
    const logged = this.page.status >= 500 ? recentServerErrors() : '';
    throw new Error(`no form with action containing "${actionPart}" on ${this.page.url} (status ${this.page.status}):\n${this.page.html.slice(0, 2000)}${logged}`);
  }

  /** Submits a form of the current page with some fields filled in. */
  submit(actionPart: string, values: Record<string, string> = {}): Promise<Page> {
    const form = this.form(actionPart);
    return this.request(form.action, { method: 'POST', body: new URLSearchParams({ ...form.fields, ...values }).toString() });
  }

  /** The visible text of the current page's alert, if any. */
  alert(): string | null {
    const match = /role="alert"[^>]*>([\s\S]*?)<\/div>/.exec(this.page?.html ?? '');
    return match ? decode(match[1].replace(/<[^>]+>/g, '').trim()) : null;
  }
}

/** Username, Go, password, Go: the letter's login, through the real forms. Returns the page after sign-in. */
export async function signIn(client: WebClient, startUrl: string, username: string, password: string): Promise<Page> {
  const first = await client.get(startUrl);
  if (!first.url.includes('/interaction/')) return first;
  await client.submit('/username', { username });
  return client.submit('/password', { password });
}

/** Signing out through a page's sign-out form (an app's or the portal's), then the provider's confirmation. */
export async function signOut(client: WebClient, formAction: string): Promise<Page> {
  await client.submit(formAction);
  return client.submit('/session/end/confirm', { logout: 'yes' });
}
