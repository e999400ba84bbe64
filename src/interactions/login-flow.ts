import type { FlowStore } from '../flows/flow.js';

/** The username-first login: the step lives in a flow record keyed by the provider's interaction id. */
export interface LoginContext {
  username: string;
}

const kind = 'login';
const idFor = (uid: string) => `login:${uid}`;

export class LoginFlows {
  constructor(
    private readonly flows: FlowStore,
    private readonly ttlSeconds: number,
  ) {}

  /** The username chosen for this interaction, or null while the username step is still open. */
  async username(uid: string): Promise<string | null> {
    const flow = await this.flows.get<LoginContext>(idFor(uid));
    return flow?.step === 'password' ? flow.context.username : null;
  }

  /** Two tabs on one interaction: the later choice wins, whatever the other tab wrote. */
  async chooseUsername(uid: string, username: string): Promise<void> {
    await this.flows.put<LoginContext>({
      id: idFor(uid),
      kind,
      step: 'password',
      context: { username },
      expiresAt: Date.now() + this.ttlSeconds * 1000,
      browserKey: null,
    });
  }

  async restart(uid: string): Promise<void> {
    await this.flows.remove(idFor(uid));
  }
}
