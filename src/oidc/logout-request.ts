import type { KoaContextWithOIDC } from 'oidc-provider';
import { displayName, type Account } from '../accounts/account.js';

interface HintClaims {
  sub?: unknown;
  aud?: unknown;
  sid?: unknown;
  iat?: unknown;
}

interface StoredSession {
  accountId?: string;
  loginTs?: number;
  authorizations?: Record<string, { sid?: string }>;
}

/**
 * Whether an RP-initiated logout was asked for by an app of this very sign-in, so it may complete without a question:
 * its id_token_hint (whose signature the provider has checked) names the person signed in here, and was issued to an
 * app this session signed in to, for this session (its session id, or issued since the sign-in). Anything else (no
 * hint, another person's ID token, one left from an earlier sign-in) may be a link someone else made: the person is
 * asked.
 */
export function logoutFromAppOfThisSession(ctx: KoaContextWithOIDC): boolean {
  const hint = (ctx.oidc.entities as { IdTokenHint?: { payload?: HintClaims } }).IdTokenHint?.payload;
  const session = ctx.oidc.session as unknown as StoredSession | undefined;
  const clientId = ctx.oidc.client?.clientId;
  if (!hint || !session?.accountId || !clientId) return false;
  if (hint.sub !== session.accountId || hint.aud !== clientId) return false;
  const authorization = session.authorizations?.[clientId];
  if (!authorization) return false;
  // Apps that take back-channel logout get the session's id in their ID tokens; others are judged by the token's age.
  if (typeof hint.sid === 'string') return hint.sid === authorization.sid;
  return typeof hint.iat === 'number' && typeof session.loginTs === 'number' && hint.iat >= session.loginTs;
}

export interface LogoutConfirmation {
  /** The provider's form (its anti-forgery value) that the page's buttons submit. */
  form: string;
  /** Submit "sign out everywhere" by itself (app.js): the person already asked for it. */
  auto: boolean;
  /** An app of this sign-in asked: the page offers signing out of that app alone. Otherwise "stay" changes nothing. */
  fromApp: { name: string } | null;
  person: { name: string; username: string } | null;
}

/**
 * The end-session confirmation page. It completes by itself only when the person asked for it: through an app of this
 * sign-in (see logoutFromAppOfThisSession), or on one of Homeroom's own pages (`askedHere`: "Sign out everywhere"
 * pressed there, see sign-out-intent.ts).
 */
export async function logoutConfirmation(
  ctx: KoaContextWithOIDC,
  form: string,
  deps: { findAccount(id: string): Promise<Account | null>; askedHere(ctx: KoaContextWithOIDC): boolean },
): Promise<LogoutConfirmation> {
  const fromApp = logoutFromAppOfThisSession(ctx);
  const accountId = ctx.oidc.session?.accountId;
  const account = accountId ? await deps.findAccount(accountId) : null;
  return {
    form,
    auto: fromApp || deps.askedHere(ctx),
    fromApp: fromApp ? { name: ctx.oidc.client?.clientName ?? ctx.oidc.client!.clientId } : null,
    person: account ? { name: displayName(account), username: account.username } : null,
  };
}
