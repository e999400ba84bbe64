import type { Context } from 'koa';
import type Provider from 'oidc-provider';

/** The provider's session cookie: it names the browser's Homeroom sign-in and ends with the browser. */
export const PROVIDER_SESSION_COOKIE = 'hr_session';

/**
 * The provider session id this browser presents, read from the provider's signed session cookie (the provider is the
 * Koa application, so both sign cookies with the same keys). A forged or unsigned value reads as none.
 */
export function providerSessionId(ctx: Pick<Context, 'cookies'>): string | undefined {
  return ctx.cookies.get(PROVIDER_SESSION_COOKIE, { signed: true }) || undefined;
}

/** The account this browser is signed in to at the provider, or null: what a "you are signed out" page must check. */
export async function browserAccountId(provider: Provider, ctx: Pick<Context, 'cookies'>): Promise<string | null> {
  const id = providerSessionId(ctx);
  if (!id) return null;
  const session = await provider.Session.find(id);
  return session?.accountId ?? null;
}
