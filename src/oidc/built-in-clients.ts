import type { Config } from '../config/load.js';
import { builtInClientSecret } from '../rp/relying-party.js';
import type { ClientRegistry } from './clients.js';

/** What registering a built-in app needs: the issuer its URIs follow, the registry, and the secret its own derives from. */
interface Registration {
  config: Pick<Config, 'issuer'>;
  clients: ClientRegistry;
  serverSecret: string;
}

export const PORTAL_CLIENT_ID = 'homeroom-portal';
/** The demo district's learning app (src/demo/app-routes.ts), served in demo mode only. */
export const DEMO_APP_CLIENT_ID = 'demo-learning-app';
export const DEMO_APP_PATH = '/demo-app';

/** The portal is an OIDC client like any app; it is registered (or re-registered when the issuer moved) at start. */
export async function ensurePortalClient(services: Registration): Promise<void> {
  const issuer = services.config.issuer;
  await services.clients.ensureBuiltIn({
    clientId: PORTAL_CLIENT_ID,
    clientSecret: builtInClientSecret(services.serverSecret, PORTAL_CLIENT_ID),
    name: 'Homeroom Portal',
    redirectUris: [`${issuer}/portal/callback`],
    postLogoutRedirectUris: [`${issuer}/signed-out`],
    backchannelLogoutUri: `${issuer}/portal/backchannel-logout`,
    firstParty: true,
    portal: false,
  });
}

export async function ensureDemoAppClient(services: Registration): Promise<void> {
  const issuer = services.config.issuer;
  await services.clients.ensureBuiltIn({
    clientId: DEMO_APP_CLIENT_ID,
    clientSecret: builtInClientSecret(services.serverSecret, DEMO_APP_CLIENT_ID),
    name: 'Maple Learning',
    redirectUris: [`${issuer}${DEMO_APP_PATH}/callback`],
    postLogoutRedirectUris: [`${issuer}${DEMO_APP_PATH}/signed-out`],
    backchannelLogoutUri: `${issuer}${DEMO_APP_PATH}/backchannel-logout`,
    launchUrl: `${issuer}${DEMO_APP_PATH}/`,
    firstParty: true,
    portal: true,
    // The demo's fourth-graders sign in with a badge: their app stays open to them whatever signIn.youngApps says.
    forYoungStudents: true,
  });
}
