import type Provider from 'oidc-provider';
import type { AccountStore } from '../accounts/ports.js';
import type { Config } from '../config/load.js';
import type { FlowStore } from '../flows/flow.js';
import type { ClientRegistry } from '../oidc/clients.js';
import { endSignInSession, type SessionEndDeps } from '../oidc/end-session.js';
import { builtInClientSecret } from '../rp/relying-party.js';
import { SAML_BACKCHANNEL_PATH, SAML_BRIDGE_CLIENT_ID, SAML_CALLBACK_PATH, SamlBridge } from './bridge.js';
import { SamlIdentityProvider, type SamlStores } from './identity-provider.js';
import type { SamlKeys } from './keys.js';
import type { SamlRequestIds, SamlSessionStore } from './ports.js';
import type { ServiceProviderRegistry } from './service-providers.js';
import { SamlSingleLogout } from './single-logout.js';

/** What the SAML side is built from; src/services.ts passes its services (declared here so neither imports the other). */
export interface SamlDeps extends SessionEndDeps {
  config: Config;
  serverSecret: string;
  clients: ClientRegistry;
  accounts: Pick<AccountStore, 'findById'>;
  flows: FlowStore;
  samlProviders: ServiceProviderRegistry;
  samlKeys: SamlKeys;
  samlSessions: SamlSessionStore;
  samlRequestIds: SamlRequestIds;
}

/**
 * The SAML bridge is a first-party OIDC client, registered (or re-registered when the issuer moved) at start; the
 * first SAML key is made then too, rather than on the first sign-in (an RSA key and a certificate take a moment).
 */
export async function ensureSamlBridgeClient(services: Pick<SamlDeps, 'config' | 'clients' | 'serverSecret' | 'samlKeys'>): Promise<void> {
  await services.samlKeys.signingKey();
  const issuer = services.config.issuer;
  await services.clients.ensureBuiltIn({
    clientId: SAML_BRIDGE_CLIENT_ID,
    clientSecret: builtInClientSecret(services.serverSecret, SAML_BRIDGE_CLIENT_ID),
    name: 'SAML apps',
    redirectUris: [`${issuer}${SAML_CALLBACK_PATH}`],
    backchannelLogoutUri: `${issuer}${SAML_BACKCHANNEL_PATH}`,
    firstParty: true,
    portal: false,
    scopes: ['openid'],
  });
}

/** The identity provider, its single logout and its bridge to the OIDC provider. */
export interface SamlWeb {
  idp: SamlIdentityProvider;
  slo: SamlSingleLogout;
  bridge: SamlBridge;
}

/** Builds them over the services and the running OIDC provider (the bridge is registered by ensureSamlBridgeClient). */
export function createSamlWeb(services: SamlDeps, provider: Provider, internalBaseUrl: () => string): SamlWeb {
  const { config } = services;
  const bridge = new SamlBridge({
    clientId: SAML_BRIDGE_CLIENT_ID,
    clientSecret: builtInClientSecret(services.serverSecret, SAML_BRIDGE_CLIENT_ID),
    config,
    internalBaseUrl,
  });
  const stores: SamlStores = {
    providers: services.samlProviders,
    keys: services.samlKeys,
    sessions: services.samlSessions,
    requestIds: services.samlRequestIds,
    flows: services.flows,
    events: services.events,
  };
  const idp = new SamlIdentityProvider({
    ...stores,
    config,
    findAccount: (id) => services.accounts.findById(id),
    newLogin: (state) => bridge.newLogin(state),
    serverSecret: services.serverSecret,
  });
  const slo = new SamlSingleLogout({
    ...stores,
    idp,
    endSignInSession: async (accountId, sid) => {
      await endSignInSession(provider, services, SAML_BRIDGE_CLIENT_ID, accountId, sid);
    },
    signedOutUrl: `${config.issuer}/signed-out`,
  });
  return { idp, slo, bridge };
}
