import type Provider from 'oidc-provider';
import type { Account } from '../accounts/account.js';
import type { Config } from '../config/load.js';
import type { EventBus } from '../events/bus.js';
import type { FlowStore } from '../flows/flow.js';
import type { ClientRegistry } from '../oidc/clients.js';
import { endSignInSession } from '../oidc/end-session.js';
import { builtInClientSecret } from '../rp/relying-party.js';
import type { Logger } from '../shared/log.js';
import type { Store } from '../store/database.js';
import { SAML_BACKCHANNEL_PATH, SAML_BRIDGE_CLIENT_ID, SAML_CALLBACK_PATH, SamlBridge } from './bridge.js';
import { SamlIdentityProvider, type SamlStores } from './identity-provider.js';
import type { SamlKeys } from './keys.js';
import type { ServiceProviderRegistry } from './service-providers.js';
import { SamlSingleLogout } from './single-logout.js';

/**
 * The SAML bridge is a first-party OIDC client, registered (or re-registered when the issuer moved) at start; the
 * first SAML key is made then too, rather than on the first sign-in (an RSA key and a certificate take a moment).
 */
export async function ensureSamlBridgeClient(services: Pick<SamlWebServices, 'config' | 'clients' | 'serverSecret' | 'samlKeys'>): Promise<void> {
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

/** What the SAML side uses from the composition root (src/services.ts), which passes its services as they are. */
export interface SamlWebServices {
  config: Config;
  store: Store;
  log: Logger;
  events: EventBus;
  clients: ClientRegistry;
  serverSecret: string;
  flows: FlowStore;
  accounts: { findById(id: string): Promise<Account | null> };
  samlProviders: ServiceProviderRegistry;
  samlKeys: SamlKeys;
  samlSessions: SamlStores['sessions'];
  samlRequestIds: SamlStores['requestIds'];
}

/** The identity provider, its single logout and its bridge to the OIDC provider. */
export interface SamlWeb {
  idp: SamlIdentityProvider;
  slo: SamlSingleLogout;
  bridge: SamlBridge;
}

/** Builds them over the services and the running OIDC provider (the bridge is registered by ensureSamlBridgeClient). */
export function createSamlWeb(services: SamlWebServices, provider: Provider, internalBaseUrl: () => string): SamlWeb {
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
