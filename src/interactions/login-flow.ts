import type { Flow, FlowStore } from '../flows/flow.js';

/** The username-first login: the step lives in a flow record keyed by the provider's interaction id. */
export interface LoginContext {
  username: string;
  /** From the second step on: the account whose password was right. */
  accountId?: string;
  /** The enrol step: the new authenticator app's secret, sealed. */
  secretSealed?: string;
  /** The recovery-codes step: the codes to show once, sealed. */
  codesSealed?: string;
  /** The recovery-codes step: how the sign-in was made (the factor just set up), told to the app once they are saved. */
  how?: { amr: string[]; acr: string };
  /** The enrol step: until when the person may still choose "Later" (epoch ms); absent when they may not. */
  graceUntil?: number;
  /** The pictures step: the round shown (0, 1, 2), its pictures in the order shown, the picks so far (sealed). */
  round?: number;
  order?: string[];
  picksSealed?: string;
}

/** The pictures step's state: which round, the pictures as shown, and the picks made so far (sealed). */
export interface PictureRounds {
  username: string;
  round: number;
  order: string[];
  picksSealed?: string;
}

/** The steps after a right password, for accounts that use a second factor (see src/mfa). */
export type SecondStep = 'second-factor' | 'enrol' | 'recovery-codes';
export const SECOND_STEPS: readonly string[] = ['second-factor', 'enrol', 'recovery-codes'];

const kind = 'login';
const idFor = (uid: string) => `login:${uid}`;

/** An interaction's login flow record as read once by a request (null: no username chosen yet). */
export type LoginFlow = Flow<LoginContext> | null;

type SecondStepFlow = { step: SecondStep; context: Required<Pick<LoginContext, 'username' | 'accountId'>> & LoginContext; version: number };

/** The username chosen, or null while the username step is still open. */
export function usernameIn(flow: LoginFlow): string | null {
  return flow?.step === 'password' ? flow.context.username : null;
}

/** The flow when it is past the password (a second-factor step), else null. */
export function secondStepIn(flow: LoginFlow): SecondStepFlow | null {
  if (!flow || !SECOND_STEPS.includes(flow.step) || !flow.context.accountId) return null;
  return { step: flow.step as SecondStep, context: flow.context as SecondStepFlow['context'], version: flow.version };
}

/** The flow while it is on the pictures step, else null. */
export function picturesIn(flow: LoginFlow): { context: PictureRounds; version: number } | null {
  if (!flow || flow.step !== 'pictures' || flow.context.round === undefined || !flow.context.order) return null;
  const { username, round, order, picksSealed } = flow.context;
  return { context: { username, round, order, picksSealed }, version: flow.version };
}

export class LoginFlows {
  constructor(
    private readonly flows: FlowStore,
    private readonly ttlSeconds: number,
  ) {}

  /** The record as it stands: a page that asks several questions of it (which step? which username?) reads it once. */
  async load(uid: string): Promise<LoginFlow> {
    return (await this.flows.get<LoginContext>(idFor(uid))) ?? null;
  }

  async username(uid: string): Promise<string | null> {
    return usernameIn(await this.load(uid));
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

  async secondStep(uid: string): Promise<SecondStepFlow | null> {
    return secondStepIn(await this.load(uid));
  }

  /** Moves the flow past the password; false when another tab moved it first (that tab's step stands). */
  async moveTo(uid: string, step: SecondStep, context: LoginContext, version?: number): Promise<boolean> {
    const flow = await this.flows.get<LoginContext>(idFor(uid));
    if (!flow) return false;
    if (version !== undefined && flow.version !== version) return false;
    return this.flows.update(flow.id, flow.version, step, context);
  }

  async pictures(uid: string): Promise<{ context: PictureRounds; version: number } | null> {
    return picturesIn(await this.load(uid));
  }

  /** Moves the flow to the pictures step with `rounds` (its first round, or the next); false when another tab moved it. */
  async toPictures(uid: string, rounds: PictureRounds, version?: number): Promise<boolean> {
    const flow = await this.flows.get<LoginContext>(idFor(uid));
    if (!flow || (version !== undefined && flow.version !== version)) return false;
    return this.flows.update<LoginContext>(flow.id, flow.version, 'pictures', rounds);
  }

  async restart(uid: string): Promise<void> {
    await this.flows.remove(idFor(uid));
  }
}
