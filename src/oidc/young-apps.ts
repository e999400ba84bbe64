import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { Policies } from '../policies/definitions.js';
import { mayOpenApp, signInMethodOf } from '../policies/young-sign-in.js';
import { SAML_BRIDGE_CLIENT_ID } from '../saml/bridge.js';
import { PORTAL_CLIENT_ID } from './built-in-clients.js';

/** The consent prompt's reason when a badge or pictures sign-in reaches an app it may not open. */
export const YOUNG_APP_REASON = 'young_app_not_allowed';

export interface YoungAppDeps {
  /** The app's "for young students" flag; null for an app Homeroom does not know. */
  forYoungStudents: (clientId: string) => Promise<boolean | null>;
  /** The policy in force (read at each sign-in: the admin console can change it while running). */
  signIn: () => Policies['signIn'];
}

/**
 * A check of the consent prompt: a session opened with a badge or pictures reaching an app that is not marked for
 * young students, while the policy keeps such sign-ins to marked apps, is sent to the interaction, which refuses it.
 * The portal is where young students land: it shows them only the apps they may open. SAML apps are checked when
 * their assertion is made (src/saml/identity-provider.ts): the bridge client only carries their sign-in.
 */
export function youngAppCheck(deps: YoungAppDeps): InstanceType<typeof interactionPolicy.Check> {
  return new interactionPolicy.Check(YOUNG_APP_REASON, 'a badge or picture sign-in may not open this app', async (ctx: KoaContextWithOIDC) => {
    const clientId = ctx.oidc.client?.clientId;
    if (!clientId || clientId === PORTAL_CLIENT_ID || clientId === SAML_BRIDGE_CLIENT_ID) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
    const method = signInMethodOf(ctx.oidc.session?.amr);
    if (method === 'password') return interactionPolicy.Check.NO_NEED_TO_PROMPT;
    const forYoungStudents = (await deps.forYoungStudents(clientId)) ?? false;
    return mayOpenApp(method, { forYoungStudents }, deps.signIn()) ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT;
  });
}
