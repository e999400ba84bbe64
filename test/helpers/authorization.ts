import * as oidc from 'openid-client';

/** An app's authorization request, as a real relying party (openid-client) makes it, and its code exchange. */
export interface AuthorizationRequest {
  url: URL;
  /** Exchanges the code the browser came back with, checking the state, the PKCE verifier and (when sent) the nonce. */
  redeem(returnedTo: string | URL): Promise<oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers>;
}

export interface RequestOptions {
  /** Default `openid profile`. */
  scope?: string;
  /** Send a nonce and expect it back in the ID token. */
  nonce?: boolean;
  /** Any other parameter of the request (prompt, acr_values, ui_locales …). */
  params?: Record<string, string>;
}

/** Builds an authorization-code request with PKCE (S256) and a state, as every app should send it. */
export async function authorizationRequest(config: oidc.Configuration, redirectUri: string, options: RequestOptions = {}): Promise<AuthorizationRequest> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = options.nonce ? oidc.randomNonce() : undefined;
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: options.scope ?? 'openid profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...(nonce ? { nonce } : {}),
    ...options.params,
  });
  return {
    url,
    redeem: (returnedTo) =>
      oidc.authorizationCodeGrant(config, new URL(returnedTo), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true }),
  };
}
