import type { Context } from 'koa';

const COOKIE = 'hr_signout';
const PATH = '/session/end';

/**
 * "Sign out everywhere", pressed on one of Homeroom's own pages (a CSRF-checked form), is carried for a minute across
 * the redirect to the provider's end-session page, which then completes by itself. The cookie holds that form's CSRF
 * token: another site can neither set it on this origin with a value that matches nor read it.
 */
export function rememberSignOut(ctx: Pick<Context, 'cookies'>, csrfToken: string, secure: boolean): void {
  ctx.cookies.set(COOKIE, csrfToken, { httpOnly: true, sameSite: 'lax', secure, signed: false, path: PATH, maxAge: 60_000, overwrite: true });
}

/** Whether the person asked for this sign-out on a Homeroom page (see rememberSignOut); the reminder is used up. */
export function signOutRemembered(ctx: Pick<Context, 'cookies'>, matchesCsrf: (given: string) => boolean, secure: boolean): boolean {
  const given = ctx.cookies.get(COOKIE);
  if (!given) return false;
  ctx.cookies.set(COOKIE, null, { httpOnly: true, sameSite: 'lax', secure, signed: false, path: PATH, overwrite: true });
  return matchesCsrf(given);
}
