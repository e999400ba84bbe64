import Provider, { interactionPolicy, type AccountClaims, type Configuration, type ErrorOut, type KoaContextWithOIDC } from 'oidc-provider';
import { ACR_MULTI_FACTOR, ACR_SINGLE_FACTOR, asksForMultiFactor } from '../mfa/authn-context.js';
import type { Services } from '../services.js';
import { createOidcAdapter } from '../store/oidc-adapter.js';
import { PROVIDER_SESSION_COOKIE } from './browser-session.js';
import { accountClaims, SCOPE_CLAIMS } from './claims.js';
import { FIRST_PARTY } from './first-party.js';
import { loadSigningKeys } from './keys.js';
import { youngAppCheck, type YoungAppDeps } from './young-apps.js';
import { noteDatabaseUnavailable } from '../http/middleware/errors.js';

type Jwks = NonNullable<Configuration['jwks']>;

export interface ProviderViews {
  logout(ctx: KoaContextWithOIDC, form: string): Promise<void>;
  logoutSuccess(ctx: KoaContextWithOIDC): Promise<void>;
  error(ctx: KoaContextWithOIDC, out: ErrorOut, error: Error): Promise<void>;
}

/**
 * Outgoing calls (back-channel logout). The library refuses private and loopback addresses; Homeroom's own apps
 * (portal, demo app) are reached on this process's internal address, and hosts the district lists as its own network
 * are allowed through.
 */
function outgoingFetch(services: Services, internalBaseUrl: () => string) {
  const { issuer } = services.config;
  const privateHosts = new Set(services.config.oidc.privateNetworkHosts.map((h) => h.toLowerCase()));
  return (url: URL | string, options: RequestInit & { dispatcher?: unknown }) => {
    const target = String(url);
    if (target.startsWith(`${issuer}/`)) {
      const { dispatcher: _protected, ...rest } = options;
      return fetch(internalBaseUrl() + target.slice(issuer.length), rest);
    }
    if (privateHosts.has(new URL(target).hostname.toLowerCase())) {
      const { dispatcher: _protected, ...rest } = options;
      return fetch(target, rest);
    }
    return fetch(target, options as RequestInit);
  };
}

export async function createProvider(services: Services, views: ProviderViews, internalBaseUrl: () => string): Promise<Provider> {
  const { config, accounts } = services;
  const cookie = { httpOnly: true, sameSite: 'lax' as const, secure: config.secureCookies, signed: true };
  const keys = await loadSigningKeys(services.signingKeys, Math.max(config.tokens.idTokenTtl, config.tokens.accessTokenTtl));

  const configuration: Configuration = {
    adapter: createOidcAdapter(services.store.db, services.sealer, services.clientRows) as Configuration['adapter'],
    jwks: { keys: keys as Jwks['keys'] },
    cookies: {
      // oidc-provider takes a keygrip-like signer here as Koa does (lib/provider.js), though its types list only key arrays.
      keys: services.cookieSigner as unknown as string[],
      long: cookie,
      short: cookie,
      names: { session: PROVIDER_SESSION_COOKIE, interaction: 'hr_interaction', resume: 'hr_resume' },
    },
    // acr and amr ride with openid: every ID token says how its sign-in was made.
    claims: { ...Object.fromEntries(Object.entries(SCOPE_CLAIMS).map(([scope, claims]) => [scope, [...claims]])), openid: [...SCOPE_CLAIMS.openid, 'acr', 'amr'] },
    scopes: ['openid', 'offline_access', ...Object.keys(SCOPE_CLAIMS).filter((s) => s !== 'openid')],
    // Widely used relying parties read the profile from the ID token, so it carries the granted claims too.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    fetch: outgoingFetch(services, internalBaseUrl) as Configuration['fetch'],
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    extraClientMetadata: { properties: [FIRST_PARTY] },
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      id_token_signed_response_alg: 'RS256',
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    features: {
      devInteractions: { enabled: false },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => (token as { clientId?: string }).clientId === client.clientId,
      },
      introspection: {
        enabled: true,
        // An app may introspect only its own tokens (the library's default lets any confidential client look).
        allowedPolicy: async (_ctx, client, token) => (token as { clientId?: string }).clientId === client.clientId,
      },
      userinfo: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: views.logout,
        postLogoutSuccessSource: views.logoutSuccess,
      },
    },
    async findAccount(_ctx, sub) {
      const account = await accounts.findById(sub);
      // A disabled account's sessions and tokens stop working at once, even those still stored.
      if (!account || account.status !== 'active') return undefined;
      return { accountId: account.id, claims: async () => accountClaims(account, config.email.templates) as AccountClaims };
    },
    interactions: {
      url: async (_ctx, interaction) => `/interaction/${interaction.uid}`,
      policy: signInPolicy({
        forYoungStudents: async (clientId) => (await services.clients.find(clientId))?.forYoungStudents ?? null,
        signIn: () => services.policies.current().signIn,
      }),
    },
    acrValues: [ACR_SINGLE_FACTOR, ACR_MULTI_FACTOR],
    async loadExistingGrant(ctx) {
      const client = ctx.oidc.client!;
      const session = ctx.oidc.session!;
      const grantId = (ctx.oidc.result?.consent as { grantId?: string } | undefined)?.grantId ?? session.grantIdFor(client.clientId);
      if (grantId) {
        const existing = await ctx.oidc.provider.Grant.find(grantId);
        if (existing && !client.metadata()[FIRST_PARTY]) return existing;
        if (existing) return grantEverythingRequested(ctx, existing);
      }
      if (client.metadata()[FIRST_PARTY]) {
        // First-party apps (registered by the district) never ask the student for consent.
        return grantEverythingRequested(ctx, new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId! }));
      }
      return undefined;
    },
    async issueRefreshToken(_ctx, client) {
      return client.grantTypeAllowed('refresh_token');
    },
    ttl: {
      AccessToken: config.tokens.accessTokenTtl,
      AuthorizationCode: config.tokens.authorizationCodeTtl,
      IdToken: config.tokens.idTokenTtl,
      RefreshToken: config.tokens.refreshTokenTtl,
      Interaction: config.session.interactionTtl,
      // Read at each save: the session length is a policy the admin console can change while running.
      Session: () => config.session.ttl,
      Grant: config.tokens.refreshTokenTtl,
    },
    renderError: views.error,
    clientBasedCORS(ctx, origin, client) {
      return client.redirectUris?.some((uri) => new URL(uri).origin === origin) ?? false;
    },
  };

  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.server.trustProxy;
  // Only the entries our own proxies appended count: anything further left was written by the client.
  provider.maxIpsCount = config.server.proxyHops;
  provider.on('server_error', (ctx, error) => {
    if (!noteDatabaseUnavailable(ctx, error)) services.log.error({ err: error }, 'oidc server error');
  });
  provider.on('backchannel.error', (_ctx, error, client) =>
    services.log.warn({ err: { message: (error as Error).message }, client: client.clientId }, 'back-channel logout failed'),
  );
  provider.on('end_session.success', (ctx) => {
    void services.events.emit({ type: 'session.ended', subjectId: ctx.oidc.session?.accountId ?? null, ip: ctx.ip });
  });
  provider.on('grant.success', (ctx) => {
    void services.events.emit({
      type: 'token.issued',
      subjectId: (ctx.oidc.entities as { Account?: { accountId: string } }).Account?.accountId ?? null,
      data: { client: ctx.oidc.client?.clientId },
    });
  });
  return provider;
}

/**
 * The library's prompts, and one more reason to sign in again: an app asks for a second factor (acr_values) and the
 * session was made with a password alone. The sign-in then asks for the factor, or ends in
 * unmet_authentication_requirements for an account that cannot have one.
 */
function signInPolicy(young: YoungAppDeps) {
  const policy = interactionPolicy.base();
  policy
    .get('login')!
    .checks.add(
      new interactionPolicy.Check('multi_factor_requested', 'the app asked for a second factor', (ctx) =>
        asksForMultiFactor(ctx.oidc.params?.acr_values) && ctx.oidc.acr !== ACR_MULTI_FACTOR ? interactionPolicy.Check.REQUEST_PROMPT : interactionPolicy.Check.NO_NEED_TO_PROMPT,
      ),
    );
  // A badge or picture sign-in reaching an app not marked for young students (when the policy says so): refused there.
  policy.get('consent')!.checks.add(youngAppCheck(young));
  return policy;
}

async function grantEverythingRequested(ctx: KoaContextWithOIDC, grant: InstanceType<Provider['Grant']>) {
  const scope = ctx.oidc.params?.scope as string | undefined;
  if (scope) grant.addOIDCScope(scope);
  await grant.save();
  return grant;
}
