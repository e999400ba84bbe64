import type { TestServer } from '../helpers/server.js';
import { signIn, WebClient, type Page } from '../helpers/web-client.js';

export const ADMIN = { username: 'admin', password: 'Admin-Maple-2026' };
export const TEACHER = { username: 'mrivera', password: 'Teach-Lakeside-2026' };
export const STUDENT = { username: 'S0100001', password: 'Lakeside-Ana-2026' };

/** A browser without JavaScript, signed in through the portal (the console shares the portal's session). */
export async function signedIn(server: TestServer, who: { username: string; password: string }): Promise<WebClient> {
  const client = new WebClient();
  const page = await signIn(client, `${server.url}/`, who.username, who.password);
  if (page.status !== 200 || !page.url.startsWith(`${server.url}/`)) throw new Error(`sign-in of ${who.username} failed: ${page.status} ${page.url}`);
  return client;
}

/** The CSRF token of the current page's first form. */
export function csrfOf(client: WebClient): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(client.page?.html ?? '');
  if (!match) throw new Error('no CSRF token on the page');
  return match[1];
}

export interface Upload {
  name: string;
  filename: string;
  type: string;
  data: Buffer;
}

/**
 * Submits a form as multipart/form-data (as a browser does for a form with a file input), with the client's cookies,
 * following the redirect that may answer it. Starts from the form's own fields on the current page.
 */
export async function submitMultipart(client: WebClient, actionPart: string, values: Record<string, string>, file?: Upload, omit: string[] = []): Promise<Page> {
  const form = browserForm(client, actionPart);
  const data = new FormData();
  for (const [key, value] of Object.entries({ ...form.fields, ...values })) if (!omit.includes(key)) data.append(key, value);
  if (file) data.append(file.name, new Blob([new Uint8Array(file.data)], { type: file.type }), file.filename);
  return postMultipart(client, form.action, data);
}

export async function postMultipart(client: WebClient, url: string, data: FormData): Promise<Page> {
  const response = await fetch(url, {
    method: 'POST',
    body: data,
    redirect: 'manual',
    headers: { cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
  });
  (client as unknown as { store(r: Response): void }).store(response);
  const location = response.headers.get('location');
  if (response.status >= 300 && response.status < 400 && location) {
    await response.arrayBuffer();
    return client.get(new URL(location, url).href);
  }
  client.page = { status: response.status, url, html: await response.text(), headers: response.headers };
  return client.page;
}

function decode(value: string): string {
  return value
    .replace(/&#34;|&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attr(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag);
  return match ? decode(match[1]) : undefined;
}

/**
 * The fields a browser would send for a form of the current page: ticked checkboxes and radios only (value "on" by
 * default), text inputs, textareas and selected options.
 */
export function browserForm(client: WebClient, actionPart: string): { action: string; fields: Record<string, string> } {
  const page = client.page!;
  for (const [, tagAttrs, inner] of page.html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const action = attr(` ${tagAttrs}`, 'action') ?? '';
    if (!action.includes(actionPart)) continue;
    const fields: Record<string, string> = {};
    for (const [input] of inner.matchAll(/<input\b[^>]*>/gi)) {
      const name = attr(input, 'name');
      const type = (attr(input, 'type') ?? 'text').toLowerCase();
      if (!name || type === 'file' || /\sdisabled[\s>]/.test(input)) continue;
      if ((type === 'checkbox' || type === 'radio') && !/\schecked[\s>]/.test(input)) continue;
      fields[name] = attr(input, 'value') ?? (type === 'checkbox' || type === 'radio' ? 'on' : '');
    }
    for (const [, areaAttrs, text] of inner.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/gi)) {
      const name = attr(` ${areaAttrs}`, 'name');
      if (name) fields[name] = decode(text);
    }
    for (const [, selectAttrs, options] of inner.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/gi)) {
      const name = attr(` ${selectAttrs}`, 'name');
      const selected = /<option\b[^>]*\sselected[^>]*>/i.exec(options)?.[0] ?? /<option\b[^>]*>/i.exec(options)?.[0];
      if (name && selected) fields[name] = attr(selected, 'value') ?? '';
    }
    return { action: new URL(action, page.url).href, fields };
  }
  throw new Error(`no form with action containing "${actionPart}" on ${page.url} (status ${page.status}):\n${page.html.slice(0, 1500)}`);
}

/** Submits a form of the current page (url-encoded) as a browser would, with some fields changed. */
export function submitForm(client: WebClient, actionPart: string, values: Record<string, string>, omit: string[] = []): Promise<Page> {
  const form = browserForm(client, actionPart);
  const fields = { ...form.fields, ...values };
  for (const name of omit) delete fields[name];
  return client.request(form.action, { method: 'POST', body: new URLSearchParams(fields).toString() });
}

/** Posts url-encoded fields, as a form would. */
export function post(client: WebClient, url: string, fields: Record<string, string>): Promise<Page> {
  return client.request(url, { method: 'POST', body: new URLSearchParams(fields).toString() });
}

/** Checkbox values as a form sends them. */
export const on = (...names: string[]) => Object.fromEntries(names.map((n) => [n, 'on']));

/** The value of a field as echoed back on the page (input value or textarea text). */
export function echoed(html: string, name: string): string | null {
  const input = new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`).exec(html);
  if (input) return input[1];
  const area = new RegExp(`<textarea[^>]*name="${name}"[^>]*>([\\s\\S]*?)</textarea>`).exec(html);
  return area ? area[1] : null;
}

/** A tiny valid PNG (1×1). */
export const PNG_1x1 = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c6360f8cf00000301010018dd8db40000000049454e44ae426082',
  'hex',
);
