import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EventBus } from '../events/bus.js';
import { AppError } from '../shared/errors.js';
import type { Flow, FlowStore } from './flow.js';

/**
 * The browser a request comes from, as a flow knows it: the secret its flow cookie holds (null when it has none) and
 * its address (for the audit log).
 */
export interface Browser {
  secret: string | null;
  ip: string;
}

/**
 * How long a completed flow stays readable, by its own browser only: the done page, its Back and Reload, and its
 * Continue. Nothing can be submitted to it any more.
 */
const COMPLETED_TTL_MS = 10 * 60 * 1000;

const digest = (secret: string) => createHash('sha256').update(`flow-browser:${secret}`).digest('base64url');

function sameBrowser(flow: Flow<unknown>, browser: Browser): boolean {
  if (!flow.browserKey || !browser.secret) return false;
  const expected = Buffer.from(flow.browserKey);
  const given = Buffer.from(digest(browser.secret));
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** What a step needs to judge a submission. */
export interface StepInput {
  fields: Record<string, string>;
  ip: string;
  /** The browser's device cookie: the accounts that signed in on it before (see src/accounts/device-trust.ts). */
  deviceCookie?: string;
}

export type StepOutcome<C> =
  /** Accepted: move to `next` with the new context. */
  | { next: string; context: C }
  /** Rejected: show the same step again with a message (an i18n id) and the non-secret fields echoed back. */
  | { reject: string; params?: Record<string, unknown>; status?: number; echo?: Record<string, string>; context?: C };

export interface StepDefinition<C> {
  id: string;
  accept(flow: Flow<C>, input: StepInput): Promise<StepOutcome<C>>;
}

/** A self-service flow declared as data: an ordered list of steps, each accepting or rejecting its form. */
export interface FlowDefinition<C> {
  kind: string;
  /** Seconds a flow stays usable. */
  ttl: number;
  firstStep: string;
  /** Steps that accept submissions; the final, display-only steps (done) have none. */
  steps: StepDefinition<C>[];
}

/** A refused submission's message, kept with the flow until its page has shown it once (Post/Redirect/Get). */
export interface Notice {
  message: string;
  params: Record<string, unknown>;
  status: number;
  echo: Record<string, string>;
}

type WithNotice<C> = C & { notice?: Notice };

export type Submission<C> =
  | { status: 'moved'; flow: Flow<C> }
  | { status: 'rejected'; flow: Flow<C>; message: string; params: Record<string, unknown>; httpStatus: number; echo: Record<string, string> }
  /** The form was for a step the flow has already left (Back, a second tab): show the current step instead. */
  | { status: 'stale'; flow: Flow<C> };

/**
 * Runs the flows of one definition. Each flow is bound to the browser that started it (a secret in its cookie, kept
 * here as a digest, Kratos-style): on a shared device, its address read from the history opens nothing in another
 * browser. A completed flow is kept only for its done page.
 */
export class FlowRunner<C> {
  constructor(
    private readonly definition: FlowDefinition<C>,
    private readonly store: FlowStore,
    private readonly events?: EventBus,
  ) {}

  async start(context: C, browserSecret: string): Promise<Flow<C>> {
    return this.store.create<C>({
      id: randomBytes(18).toString('base64url'),
      kind: this.definition.kind,
      step: this.definition.firstStep,
      context,
      expiresAt: Date.now() + this.definition.ttl * 1000,
      browserKey: digest(browserSecret),
    });
  }

  /**
   * The flow, or a 410 "expired, start again" when it is gone, belongs to another kind, or was started by another
   * browser (the same answer: the page says nothing about the flow).
   */
  async load(id: string, browser: Browser): Promise<Flow<C>> {
    const flow = /^[A-Za-z0-9_-]{10,64}$/.test(id) ? await this.store.get<C>(id) : undefined;
    if (!flow || flow.kind !== this.definition.kind) throw new AppError(410, 'FLOW_EXPIRED', 'flows.expired');
    if (!sameBrowser(flow, browser)) {
      await this.events?.emit({ type: 'flow.other_browser', ip: browser.ip, data: { kind: flow.kind, step: flow.step } });
      throw new AppError(410, 'FLOW_EXPIRED', 'flows.expired');
    }
    return flow;
  }

  async submit(id: string, stepId: string, input: StepInput, browser: Browser): Promise<Submission<C>> {
    const flow = await this.load(id, browser);
    if (flow.step !== stepId) return { status: 'stale', flow };
    const step = this.definition.steps.find((s) => s.id === stepId);
    if (!step) return { status: 'stale', flow };
    const outcome = await step.accept(flow, input);
    if ('reject' in outcome) {
      // The same flow finished in another tab meanwhile (its commit made this one fail): show where it is.
      const current = await this.load(id, browser);
      if (current.version !== flow.version) return { status: 'stale', flow: current };
      const notice: Notice = { message: outcome.reject, params: outcome.params ?? {}, status: outcome.status ?? 400, echo: outcome.echo ?? {} };
      const context = { ...(outcome.context ?? flow.context), notice } as WithNotice<C>;
      await this.store.update(flow.id, flow.version, flow.step, context);
      return { status: 'rejected', flow, message: notice.message, params: notice.params, httpStatus: notice.status, echo: notice.echo };
    }
    const { notice: _shown, ...context } = outcome.context as WithNotice<C>;
    // Moving to a step that takes no submission (done) completes the flow: it stays only for its done page.
    const completed = !this.definition.steps.some((s) => s.id === outcome.next);
    const expiresAt = completed ? Math.min(flow.expiresAt, Date.now() + COMPLETED_TTL_MS) : flow.expiresAt;
    const moved = await this.store.update(flow.id, flow.version, outcome.next, context as C, completed ? expiresAt : undefined);
    // Another tab moved the flow on while this submission was checked: its result stands, show where it is.
    if (!moved) return { status: 'stale', flow: await this.load(id, browser) };
    return { status: 'moved', flow: { ...flow, step: outcome.next, context: context as C, version: flow.version + 1, expiresAt } };
  }

  /** The refusal waiting to be shown on the flow's page, removed so a reload shows the plain step. */
  async takeNotice(flow: Flow<C>): Promise<Notice | null> {
    const { notice, ...rest } = flow.context as WithNotice<C>;
    if (!notice) return null;
    await this.store.update(flow.id, flow.version, flow.step, rest as C);
    return notice;
  }
}
