import * as oidc from 'openid-client';
import { providerClient, verifyLogoutToken, type ProviderClientOptions } from '../rp/provider-client.js';

export const SAML_BRIDGE_CLIENT_ID = 'homeroom-saml';
export const SAML_CALLBACK_PATH = '/saml/callback';
export const SAML_BACKCHANNEL_PATH = '/saml/backchannel-logout';

/** What the bridge keeps of a sign-in it started (inside the pending SAML sign-in record). */
export interface BridgeLogin {
  state: string;
  nonce: string;
  verifier: string;
}

export interface BridgeIdentity {
  accountId: string;
  /** The provider session's id for the bridge: how single logout finds the SAML sessions of a sign-in session. */
  sid: string;
  /** When the person typed their password (epoch milliseconds). */
  authTime: number;
  /** How they signed in (the ID token's amr): the assertion's AuthnContextClassRef follows it. */
  amr: string[];
}

/**
 * The SAML identity provider signs people in through Homeroom's own OpenID Connect provider, as a first-party
 * client: SAML apps get the same username-first pages, throttling, claim and recovery links and the same sign-in
 * session as every OIDC app. ForceAuthn becomes prompt=login and IsPassive prompt=none.
 */
export class SamlBridge {
  private configuration: oidc.Configuration | null = null;

  constructor(private readonly options: ProviderClientOptions) {}

  private client(): oidc.Configuration {
    this.configuration ??= providerClient(this.options);
    return this.configuration;
  }

  redirectUri(): string {
    return `${this.options.config.issuer}${SAML_CALLBACK_PATH}`;
  }

  newLogin(state: string): BridgeLogin {
    return { state, nonce: oidc.randomNonce(), verifier: oidc.randomPKCECodeVerifier() };
  }

  async authorizationUrl(login: BridgeLogin, options: { prompt?: 'login' | 'none'; uiLocales?: string }): Promise<string> {
    const url = oidc.buildAuthorizationUrl(this.client(), {
      redirect_uri: this.redirectUri(),
      scope: 'openid',
      state: login.state,
      nonce: login.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(login.verifier),
      code_challenge_method: 'S256',
      // Asks the provider for auth_time in the ID token (the assertion's AuthnInstant); sessions never outlive it.
      max_age: String(this.options.config.session.ttl),
      ...(options.prompt ? { prompt: options.prompt } : {}),
      ...(options.uiLocales ? { ui_locales: options.uiLocales } : {}),
    });
    return url.href;
  }

  /** Exchanges the code of the provider's callback; throws when the callback is stale or forged. */
  async finish(callbackUrl: URL, login: BridgeLogin): Promise<BridgeIdentity> {
    const tokens = await oidc.authorizationCodeGrant(this.client(), callbackUrl, {
      pkceCodeVerifier: login.verifier,
      expectedState: login.state,
      expectedNonce: login.nonce,
      maxAge: this.options.config.session.ttl,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    if (typeof claims.sid !== 'string' || typeof claims.auth_time !== 'number') throw new Error('the ID token has no sid or auth_time');
    const amr = Array.isArray(claims.amr) ? claims.amr.filter((v): v is string => typeof v === 'string') : [];
    return { accountId: claims.sub, sid: claims.sid, authTime: claims.auth_time * 1000, amr };
  }

  /** A back-channel logout notice of the provider: the sign-in session (sid) that ended. */
  async loggedOutSid(logoutToken: string): Promise<string | null> {
    const payload = await verifyLogoutToken(this.options, logoutToken);
    return typeof payload.sid === 'string' ? payload.sid : null;
  }
}
