import type { Context } from 'koa';

/** The provider's session cookie: it names the browser's Homeroom sign-in and ends with the browser. */
export const PROVIDER_SESSION_COOKIE = 'hr_session';

/**
 * The provider session id this browser presents, read from the provider's signed session cookie (the provider is the
 * Koa application, so both sign cookies with the same keys). A forged or unsigned value reads as none.
 */
export function providerSessionId(ctx: Pick<Context, 'cookies'>): string | undefined {
  return ctx.cookies.get(PROVIDER_SESSION_COOKIE, { signed: true }) || undefined;
}
