import { randomUUID } from 'node:crypto';
import type { FlowStore } from '../flows/flow.js';

/**
 * Adding an authenticator app, or new recovery codes, from /account/security: a flow record bound to the account
 * (its pages are signed-in pages), so Back, Reload and a second tab land on the same step, and the codes are shown
 * from the record until the person says they saved them, then never again.
 */
export interface SetupContext {
  accountId: string;
  /** The app's secret while it is being added, sealed. */
  secretSealed?: string;
  /** The recovery codes to show, sealed. */
  codesSealed?: string;
}

export type SetupStep = 'scan' | 'codes';

const kind = 'mfa-setup';
const idFor = (id: string) => `${kind}:${id}`;
/** Long enough to find the phone and install an app; the secret is then dropped. */
const TTL_MS = 15 * 60 * 1000;

export class SetupFlows {
  constructor(private readonly flows: FlowStore) {}

  async start(step: SetupStep, context: SetupContext): Promise<string> {
    const id = randomUUID();
    await this.flows.create<SetupContext>({ id: idFor(id), kind, step, context, expiresAt: Date.now() + TTL_MS, browserKey: null });
    return id;
  }

  /** The flow, when it exists, is not expired and belongs to `accountId`. */
  async find(id: string, accountId: string): Promise<{ step: SetupStep; context: SetupContext; version: number } | null> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return null;
    const flow = await this.flows.get<SetupContext>(idFor(id));
    if (!flow || flow.kind !== kind || flow.context.accountId !== accountId) return null;
    return { step: flow.step as SetupStep, context: flow.context, version: flow.version };
  }

  showCodes(id: string, version: number, context: SetupContext): Promise<boolean> {
    return this.flows.update(idFor(id), version, 'codes', context);
  }

  end(id: string): Promise<void> {
    return this.flows.remove(idFor(id));
  }
}
