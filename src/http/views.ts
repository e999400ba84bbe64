import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ejs from 'ejs';
import type { Context } from 'koa';
import type { Config } from '../config/load.js';
import type { I18n, Locale } from '../i18n/i18n.js';
import { sameOriginPath } from '../shared/same-origin.js';

export const VIEWS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'views');

type Template = (data: Record<string, unknown>) => string;

export interface PageOptions {
  /** i18n id of the page title. */
  title: string;
  status?: number;
  /** Pages that show who is signed in are never kept in the browser's history cache. */
  private?: boolean;
}

/** EJS pages inside one layout; every string comes from the i18n catalogs through `t`. */
export class Views {
  private readonly cache = new Map<string, Template>();

  constructor(
    private readonly config: Config,
    private readonly i18n: I18n,
    private readonly watch = false,
  ) {}

  private template(name: string): Template {
    const cached = this.cache.get(name);
    if (cached && !this.watch) return cached;
    const filename = join(VIEWS_DIR, `${name}.ejs`);
    // cache: partials (include) are compiled once too, not on every render.
    const compiled = ejs.compile(readFileSync(filename, 'utf8'), { filename, views: [VIEWS_DIR], cache: !this.watch });
    this.cache.set(name, compiled);
    return compiled;
  }

  /** Locals every page can use. */
  locals(ctx: Context): Record<string, unknown> {
    const locale = ctx.state.locale as Locale;
    return {
      t: ctx.state.t,
      locale,
      dir: this.i18n.info(locale).dir,
      csrfToken: ctx.state.csrfToken,
      districtName: this.i18n.pick(this.config.district.name, locale),
      languages: languageLinks(this.i18n, locale, ctx.path, ctx.querystring),
      languageName: (code: string) => languageName(ctx.state.t, locale, code),
    };
  }

  renderToString(ctx: Context, name: string, data: Record<string, unknown>, page: PageOptions): string {
    const locals = { ...this.locals(ctx), ...data };
    const body = this.template(name)(locals);
    const t = ctx.state.t as (id: string) => string;
    return this.template('layout')({ ...locals, body, title: t(page.title) });
  }

  render(ctx: Context, name: string, data: Record<string, unknown>, page: PageOptions): void {
    ctx.status = page.status ?? 200;
    ctx.type = 'html';
    if (page.private) {
      ctx.set('Cache-Control', 'no-store');
      ctx.set('Pragma', 'no-cache');
    }
    ctx.body = this.renderToString(ctx, name, data, page);
  }
}

/** The switcher's entries: each language in its own script, linking to this same page in that language. */
function languageLinks(i18n: I18n, locale: Locale, path: string, querystring: string) {
  const { action, fields } = samePageTarget(path, querystring);
  return i18n.locales.map(({ code, name, dir }) => {
    const query = new URLSearchParams(fields);
    query.set('lang', code);
    return { code, name, dir, href: `${action}?${query}`, current: code === locale };
  });
}

/** Any origin: only used to tell a path that stays on this site from one a browser would read as another host. */
const HERE = 'http://homeroom.invalid/';

/**
 * Where the language switcher sends the person: this page again, with its query but a new `lang`. The path comes from
 * the request line, so `//evil.example` or `/\\evil.example` must not become a link to another site: read as a browser
 * reads an href, anything that leaves this origin falls back to the home page.
 */
export function samePageTarget(path: string, querystring: string): { action: string; fields: [string, string][] } {
  const target = sameOriginPath(path, HERE);
  const action = target ? new URL(target, HERE).pathname : '/';
  const fields = [...new URLSearchParams(querystring)].filter(([name]) => name !== 'lang');
  return { action, fields };
}

const displayNames = new Map<string, Intl.DisplayNames>();

/** A language's name in the page's language ("French" on an English page), for labels such as "Name (French)". */
function languageName(t: (id: string, params?: Record<string, unknown>) => string, locale: string, code: string): string {
  let names = displayNames.get(locale);
  if (!names) displayNames.set(locale, (names = new Intl.DisplayNames([locale], { type: 'language' })));
  return t(`admin.languages.${code}`, { defaultValue: names.of(code) ?? code });
}
