import { createHmac, randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import * as oidc from 'openid-client';
import type { Config } from '../config/load.js';
import type { RpSession, SqlRpSessions } from '../store/rp-sessions-repo.js';
import { providerClient, verifyLogoutToken } from './provider-client.js';

export interface RelyingPartyOptions {
  /** Name of the app in rp_sessions and in cookie names. */
  app: string;
  clientId: string;
  clientSecret: string;
  /** Path (below the issuer) of the redirect URI. */
  callbackPath: string;
  /** Cookie path: the app's own part of the site. */
  cookiePath: string;
  scope: string;
  config: Config;
  sessions: SqlRpSessions;
  sessionTtl: number;
  /** Where this process can reach its own provider (the issuer may be a public URL behind a proxy). */
  internalBaseUrl: () => string;
  /** The provider session this browser presents (the id in its session cookie), if any. */
  providerSessionId: (ctx: Context) => string | undefined;
  /** The account this browser is signed in to at the provider, if any. */
  providerAccountId: (ctx: Context) => Promise<string | null>;
}

interface PendingLogin {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
}

/** A deterministic per-app client secret, so every app process agrees on it without storing one more secret. */
export function builtInClientSecret(serverSecret: string, clientId: string): string {
  return createHmac('sha256', serverSecret).update(`client-secret:${clientId}`).digest('base64url');
}

/**
 * The relying-party side of the apps Homeroom itself runs (the portal, the demo app): a real OIDC client
 * (openid-client) that signs in through the provider like any other app — code flow with PKCE, ID token checks,
 * RP-initiated logout and back-channel logout.
 */
export class BuiltInRelyingParty {
  private configuration: oidc.Configuration | null = null;
  private readonly sessionCookie: string;
  private readonly pendingCookie: string;

  constructor(private readonly options: RelyingPartyOptions) {
    this.sessionCookie = `hr_${options.app}`;
    this.pendingCookie = `hr_${options.app}_login`;
  }

  get clientId(): string {
    return this.options.clientId;
  }

  redirectUri(): string {
    return `${this.options.config.issuer}${this.options.callbackPath}`;
  }

  private client(): oidc.Configuration {
    this.configuration ??= providerClient(this.options);
    return this.configuration;
  }

  /** Without a lifetime the cookie ends with the browser, as the provider's own session cookie does. */
  private cookieOptions(path: string, maxAgeSeconds?: number) {
    return {
      httpOnly: true,
      sameSite: 'lax' as const,
      secure: this.options.config.secureCookies,
      signed: true,
      path,
      ...(maxAgeSeconds === undefined ? {} : { maxAge: maxAgeSeconds * 1000 }),
      overwrite: true,
    };
  }

  /** Starts a sign-in: remembers state, nonce and PKCE verifier in a short-lived signed cookie. */
  async startLogin(ctx: Context, returnTo: string, extra: Record<string, string> = {}): Promise<string> {
    const pending: PendingLogin = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
      returnTo,
    };
    ctx.cookies.set(this.pendingCookie, Buffer.from(JSON.stringify(pending)).toString('base64url'), this.cookieOptions('/', 600));
    const url = oidc.buildAuthorizationUrl(this.client(), {
      redirect_uri: this.redirectUri(),
      scope: this.options.scope,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
      ...(ctx.state.localeChosen ? { ui_locales: ctx.state.locale as string } : {}),
      ...extra,
    });
    return url.href;
  }

  /** Finishes a sign-in at the callback; returns where to go next, or null when the callback is stale or forged. */
  async finishLogin(ctx: Context): Promise<string | null> {
    const raw = ctx.cookies.get(this.pendingCookie, { signed: true });
    ctx.cookies.set(this.pendingCookie, null, this.cookieOptions('/'));
    if (!raw) return null;
    let pending: PendingLogin;
    try {
      pending = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as PendingLogin;
    } catch {
      return null;
    }
    const current = new URL(`${this.options.config.issuer}${ctx.originalUrl}`);
    const tokens = await oidc.authorizationCodeGrant(this.client(), current, {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    const providerSessionId = this.options.providerSessionId(ctx);
    if (!providerSessionId) return null;
    const session: RpSession = {
      id: randomBytes(24).toString('base64url'),
      app: this.options.app,
      accountSub: claims.sub,
      sid: typeof claims.sid === 'string' ? claims.sid : null,
      idToken: tokens.id_token!,
      claims: { ...claims },
      expiresAt: Date.now() + this.options.sessionTtl * 1000,
    };
    // Bound to the provider session that signed the browser in: the app's sign-in ends when that one does.
    if (!(await this.options.sessions.create(session, providerSessionId))) return null;
    ctx.cookies.set(this.sessionCookie, session.id, this.cookieOptions(this.options.cookiePath));
    return pending.returnTo;
  }

  /** The app's session, while the provider session it was signed in through lives in this browser. */
  async current(ctx: Context): Promise<RpSession | undefined> {
    const id = ctx.cookies.get(this.sessionCookie, { signed: true });
    const providerSessionId = this.options.providerSessionId(ctx);
    if (!id || !providerSessionId) return undefined;
    return this.options.sessions.get(this.options.app, id, providerSessionId);
  }

  /** The account this browser is still signed in to at the provider (this app's own session may be over). */
  providerAccountId(ctx: Context): Promise<string | null> {
    return this.options.providerAccountId(ctx);
  }

  /** Ends this app's session and returns the provider's end-session URL, which signs the browser out everywhere. */
  async logout(ctx: Context, postLogoutRedirectUri: string): Promise<string> {
    const session = await this.current(ctx);
    if (session) await this.options.sessions.remove(this.options.app, session.id);
    ctx.cookies.set(this.sessionCookie, null, this.cookieOptions(this.options.cookiePath));
    const url = oidc.buildEndSessionUrl(this.client(), {
      post_logout_redirect_uri: postLogoutRedirectUri,
      ...(session ? { id_token_hint: session.idToken } : {}),
    });
    return url.href;
  }

  /** OpenID Connect Back-Channel Logout 1.0: verifies the logout token and ends the matching sessions. */
  async backchannelLogout(logoutToken: string): Promise<number> {
    const payload = await verifyLogoutToken(this.options, logoutToken);
    return this.options.sessions.removeBySidOrSub(this.options.app, payload.sid as string | undefined, payload.sub);
  }
}
