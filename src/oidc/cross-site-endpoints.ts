import { DEMO_APP_PATH } from './built-in-clients.js';

/**
 * Endpoints that other sites call by design, so state-changing requests to them are not held to the same-origin
 * check: the provider's token, introspection, revocation and userinfo endpoints (called by apps' servers, and by
 * single-page apps through CORS), the built-in apps' back-channel logout (the provider's server-to-server notices),
 * and SAML service providers' messages under /saml/ (the HTTP-POST binding is a form posted from the provider's
 * site). Each authenticates its caller itself. The end-session confirmation and every page form stay checked.
 */
const PATHS = new Set(['/token', '/token/introspection', '/token/revocation', '/me', '/portal/backchannel-logout', `${DEMO_APP_PATH}/backchannel-logout`]);
const PREFIXES = ['/saml/'];

export function acceptsCrossSite(path: string): boolean {
  return PATHS.has(path) || PREFIXES.some((prefix) => path.startsWith(prefix));
}
