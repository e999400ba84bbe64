import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import * as oidc from 'openid-client';
import type { Config } from '../config/load.js';

export interface ProviderClientOptions {
  clientId: string;
  clientSecret: string;
  config: Config;
  /** Where this process can reach its own provider (the issuer may be a public URL behind a proxy). */
  internalBaseUrl: () => string;
}

/**
 * An openid-client configuration for one of Homeroom's own clients of its provider. Back-end calls (token, userinfo)
 * go to this process's internal address; the browser is sent to the public issuer.
 */
export function providerClient(options: ProviderClientOptions): oidc.Configuration {
  const issuer = options.config.issuer;
  const metadata: oidc.ServerMetadata = {
    issuer,
    authorization_endpoint: `${issuer}/auth`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: `${issuer}/me`,
    jwks_uri: `${issuer}/jwks`,
    end_session_endpoint: `${issuer}/session/end`,
    id_token_signing_alg_values_supported: ['RS256'],
  };
  const configuration = new oidc.Configuration(metadata, options.clientId, options.clientSecret);
  const internal = (url: string) => (url.startsWith(issuer) ? options.internalBaseUrl() + url.slice(issuer.length) : url);
  configuration[oidc.customFetch] = (url, init) => fetch(internal(url), init as RequestInit);
  if (issuer.startsWith('http://') || options.internalBaseUrl().startsWith('http://')) {
    oidc.allowInsecureRequests(configuration);
  }
  return configuration;
}

/** OpenID Connect Back-Channel Logout 1.0: the verified claims of a logout token addressed to this client. */
export async function verifyLogoutToken(options: ProviderClientOptions, logoutToken: string): Promise<JWTPayload> {
  const jwks = createRemoteJWKSet(new URL(`${options.internalBaseUrl()}/jwks`));
  const { payload } = await jwtVerify(logoutToken, jwks, {
    issuer: options.config.issuer,
    audience: options.clientId,
    algorithms: ['RS256'],
    typ: 'logout+jwt',
  });
  const events = payload.events as Record<string, unknown> | undefined;
  if (!events || !('http://schemas.openid.net/event/backchannel-logout' in events) || 'nonce' in payload) {
    throw new Error('not a logout token');
  }
  return payload;
}
