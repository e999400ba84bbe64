import type { Context, Middleware } from 'koa';
import { negotiate, type I18n, type Locale } from '../../i18n/i18n.js';

const COOKIE = 'hr_lang';

/**
 * Language: `?lang=` (the switcher; remembered in a cookie), then the remembered choice, then an app's `ui_locales`,
 * then Accept-Language, then the district default.
 */
export function locale(i18n: I18n, fallback: Locale, secure: boolean): Middleware {
  const codes = i18n.locales.map((l) => l.code);
  return async (ctx, next) => {
    const asked = ctx.query.lang;
    let chosen: Locale | undefined;
    if (i18n.has(asked)) {
      chosen = asked;
      ctx.cookies.set(COOKIE, asked, { httpOnly: true, sameSite: 'lax', secure, maxAge: 365 * 86400 * 1000, signed: false });
    } else {
      const remembered = ctx.cookies.get(COOKIE);
      if (i18n.has(remembered)) chosen = remembered;
    }
    const uiLocales = typeof ctx.query.ui_locales === 'string' ? ctx.query.ui_locales : undefined;
    const browser = negotiate(ctx.get('accept-language'), fallback, codes);
    const resolved = chosen ?? (uiLocales ? negotiate(uiLocales, browser, codes) : browser);
    ctx.state.locale = resolved;
    ctx.state.t = i18n.translator(resolved);
    ctx.state.localeChosen = Boolean(chosen);
    ctx.vary('Accept-Language');
    await next();
  };
}

/**
 * A student's home language (from the roster) once the page knows whose it is: the portal after sign-in, a claim once
 * the student is identified, a recovery once the answers are checked. The person's own choice with the switcher wins.
 */
export function preferHomeLanguage(ctx: Context, i18n: I18n, language: string | null | undefined): void {
  if (ctx.state.localeChosen || !i18n.has(language)) return;
  ctx.state.locale = language;
  ctx.state.t = i18n.translator(language);
}

/**
 * An app's `ui_locales` reaches the login pages inside the stored authorization request, not the page's own URL:
 * honour it there unless the person picked a language themselves.
 */
export function preferAppLocales(ctx: Context, i18n: I18n, uiLocales: unknown): void {
  if (ctx.state.localeChosen || typeof uiLocales !== 'string' || !uiLocales.trim()) return;
  const resolved = negotiate(
    uiLocales,
    ctx.state.locale as Locale,
    i18n.locales.map((l) => l.code),
  );
  ctx.state.locale = resolved;
  ctx.state.t = i18n.translator(resolved);
}
