import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { BUILT_IN_QUESTIONS, QUESTIONS_PER_ACCOUNT, type QuestionConfig } from '../accounts/challenge-questions.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../shared/log.js';
import type { ThrottleRule } from '../throttle/throttle.js';
import type { PolicyStore } from './ports.js';

export type TicketMode = 'ticket' | 'direct';
export const TICKET_MODES: readonly TicketMode[] = ['ticket', 'direct'];

/** An ISO calendar date (YYYY-MM-DD) that exists. */
export function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

const isoDate = z.string().refine(isIsoDate, 'expected a date YYYY-MM-DD');
const rule = z.strictObject({ limit: z.number().int().min(1).max(100_000), window: z.number().int().min(1).max(30 * 86400) });
const question = z.union([z.enum(BUILT_IN_QUESTIONS), z.strictObject({ id: z.string().regex(/^[a-z0-9-]+$/i), text: z.record(z.string(), z.string().min(1)) })]);

/**
 * Every policy an administrator can change, declared as data: its stored value's schema, and the config key(s) it
 * overrides in the live config object (the rest of the code reads those at call time). Keys without a config path
 * are read through `policies.current()` (the ticket window and mode, the readiness deadline).
 */
export const POLICY_DEFINITIONS = {
  'passwords.minLength': { schema: z.number().int().min(8).max(64), config: ['passwords.minLength'] },
  'passwords.blockCommon': { schema: z.boolean(), config: ['passwords.blockCommon'] },
  'claim.questions': { schema: z.array(question).min(QUESTIONS_PER_ACCOUNT), config: ['claim.questions'] },
  'roster.claimDelay': { schema: z.number().int().min(0).max(90 * 86400), config: ['roster.claimDelay'] },
  'tickets.window': { schema: z.strictObject({ start: isoDate, end: isoDate }).nullable(), config: [] },
  'tickets.mode': { schema: z.enum(['ticket', 'direct']), config: [] },
  'login.perAccount': { schema: rule, config: ['login.perAccount'] },
  'login.perAddress': { schema: rule, config: ['login.perAddress'] },
  'claim.perAddress': { schema: rule, config: ['claim.perAddress'] },
  'claim.perStudent': { schema: rule, config: ['claim.perStudent'] },
  'recovery.perAccount': { schema: rule, config: ['recovery.perAccount'] },
  'recovery.perAddress': { schema: rule, config: ['recovery.perAddress'] },
  // One length for the provider's sign-in session and the portal's: the portal must not outlive the sign-in on a
  // shared device.
  'session.ttl': { schema: z.number().int().min(300).max(86400), config: ['session.ttl', 'session.portalTtl'] },
  'readiness.deadline': { schema: isoDate.nullable(), config: [] },
} as const;

export type PolicyKey = keyof typeof POLICY_DEFINITIONS;
export const POLICY_KEYS = Object.keys(POLICY_DEFINITIONS) as PolicyKey[];

export interface PolicyValues {
  'passwords.minLength': number;
  'passwords.blockCommon': boolean;
  'claim.questions': QuestionConfig[];
  /** Seconds; null when this installation has no roster settings. */
  'roster.claimDelay': number | null;
  'tickets.window': { start: string; end: string } | null;
  'tickets.mode': TicketMode;
  'login.perAccount': ThrottleRule;
  'login.perAddress': ThrottleRule;
  'claim.perAddress': ThrottleRule;
  'claim.perStudent': ThrottleRule;
  'recovery.perAccount': ThrottleRule;
  'recovery.perAddress': ThrottleRule;
  /** Seconds. */
  'session.ttl': number;
  'readiness.deadline': string | null;
}

/** The policies in force, as the rest of Homeroom reads them (`services.policies.current()`). */
export interface Policies {
  passwords: { minLength: number; blockCommon: boolean };
  questions: QuestionConfig[];
  /** Seconds from the roster first listing a student until the account can be claimed; null without a roster. */
  claimDelay: number | null;
  /** When teachers may open account-reset tickets (dates inclusive, YYYY-MM-DD); null: always. */
  tickets: { window: { start: string; end: string } | null; mode: TicketMode };
  login: { perAccount: ThrottleRule; perAddress: ThrottleRule };
  claim: { perAddress: ThrottleRule; perStudent: ThrottleRule };
  recovery: { perAccount: ThrottleRule; perAddress: ThrottleRule };
  session: { ttl: number };
  /** The date by which every enrolled student should be able to sign in (YYYY-MM-DD); null: not set. */
  readiness: { deadline: string | null };
}

/** Defaults of the keys no config section holds. */
const DEFAULTS: Partial<PolicyValues> = { 'tickets.window': null, 'tickets.mode': 'ticket', 'readiness.deadline': null };

function getPath(target: Record<string, any>, path: string): unknown {
  return path.split('.').reduce<any>((node, part) => (node && typeof node === 'object' ? node[part] : undefined), target);
}

function setPath(target: Record<string, any>, path: string, value: unknown): void {
  const parts = path.split('.');
  const last = parts.pop()!;
  let node = target;
  for (const part of parts) {
    if (!node[part] || typeof node[part] !== 'object') return; // a section this installation does not have
    node = node[part];
  }
  node[last] = value;
}

const clone = <T>(value: T): T => (value === undefined ? value : structuredClone(value));

/**
 * Policies stored in the database over the values from the config file: saved ones are applied to the live config
 * object at once in this process, and other processes pick them up by re-reading the table (`refreshIfStale`, every
 * 15 seconds at most, on their next request).
 */
export class PolicyService {
  private readonly base: PolicyValues;
  private values: PolicyValues;
  private loadedAt = 0;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly config: Record<string, any>,
    private readonly store: PolicyStore,
    private readonly events: EventBus,
    private readonly log: Logger,
    private readonly maxAgeMs = 15_000,
  ) {
    const base: Record<string, unknown> = {};
    for (const key of POLICY_KEYS) {
      const path = POLICY_DEFINITIONS[key].config[0];
      const fromConfig = path ? getPath(config, path) : undefined;
      base[key] = clone(fromConfig !== undefined ? fromConfig : (DEFAULTS[key] ?? null));
    }
    this.base = base as unknown as PolicyValues;
    this.values = clone(this.base);
  }

  /** The policies in force (no I/O: kept fresh by `refresh`). */
  current(): Policies {
    const v = this.values;
    return {
      passwords: { minLength: v['passwords.minLength'], blockCommon: v['passwords.blockCommon'] },
      questions: v['claim.questions'],
      claimDelay: v['roster.claimDelay'],
      tickets: { window: v['tickets.window'], mode: v['tickets.mode'] },
      login: { perAccount: v['login.perAccount'], perAddress: v['login.perAddress'] },
      claim: { perAddress: v['claim.perAddress'], perStudent: v['claim.perStudent'] },
      recovery: { perAccount: v['recovery.perAccount'], perAddress: v['recovery.perAddress'] },
      session: { ttl: v['session.ttl'] },
      readiness: { deadline: v['readiness.deadline'] },
    };
  }

  /** The flat values in force, by key. */
  snapshot(): PolicyValues {
    return clone(this.values);
  }

  /** The claim delay comes with the roster settings; an installation without them has no such policy. */
  hasClaimDelay(): boolean {
    return this.base['roster.claimDelay'] !== null;
  }

  /** Reads the stored overrides and applies them. */
  async refresh(): Promise<void> {
    const rows = await this.store.all();
    const next = clone(this.base) as unknown as Record<string, unknown>;
    for (const row of rows) {
      const definition = POLICY_DEFINITIONS[row.key as PolicyKey];
      if (!definition) continue;
      const parsed = definition.schema.safeParse(row.value);
      if (!parsed.success) {
        this.log.warn({ key: row.key }, 'ignoring an unreadable stored policy');
        continue;
      }
      if (row.key === 'roster.claimDelay' && this.base['roster.claimDelay'] === null) continue;
      next[row.key] = parsed.data;
    }
    this.apply(next as unknown as PolicyValues);
    this.loadedAt = Date.now();
  }

  /** Re-reads the table when the copy in memory is older than the refresh interval (one query per interval). */
  async refreshIfStale(): Promise<void> {
    if (Date.now() - this.loadedAt < this.maxAgeMs) return;
    this.loading ??= this.refresh().finally(() => {
      this.loading = null;
    });
    await this.loading;
  }

  /**
   * Saves changed values (already validated by `parsePolicyForm`), applies them, and audits each change with its
   * value before and after. Returns the keys that changed.
   */
  async save(changes: Partial<PolicyValues>, actor: { id: string; ip: string | null }): Promise<PolicyKey[]> {
    const before = this.values;
    const changed: Record<string, unknown> = {};
    for (const key of Object.keys(changes) as PolicyKey[]) {
      const value = POLICY_DEFINITIONS[key].schema.parse(changes[key]);
      if (JSON.stringify(value) !== JSON.stringify(before[key])) changed[key] = value;
    }
    const keys = Object.keys(changed) as PolicyKey[];
    if (!keys.length) return [];
    await this.store.put(changed, actor.id);
    this.apply({ ...clone(before), ...(changed as Partial<PolicyValues>) } as PolicyValues);
    for (const key of keys) {
      await this.events.emit({ type: 'policy.changed', actorId: actor.id, subjectId: null, ip: actor.ip, data: { key, before: before[key], after: changed[key] } });
    }
    return keys;
  }

  private apply(values: PolicyValues): void {
    this.values = values;
    for (const key of POLICY_KEYS) {
      for (const path of POLICY_DEFINITIONS[key].config) {
        if (getPath(this.config, path) !== undefined) setPath(this.config, path, clone(values[key]));
      }
    }
  }
}

/** A form field's problem: the field name, a message id under admin.policies.errors, and its parameters. */
export interface FieldError {
  field: string;
  message: string;
  params?: Record<string, string | number>;
}

export interface PolicyFormContext {
  current: PolicyValues;
  hasClaimDelay: boolean;
  /** Custom question ids someone has already chosen (their text must stay so recovery can show it). */
  questionsInUse: ReadonlySet<string>;
  maxPasswordLength: number;
}

/** Form values in the units people think in, for showing the form (minutes, hours, dates). */
export function policyFormValues(values: PolicyValues): Record<string, string> {
  const form: Record<string, string> = {
    minLength: String(values['passwords.minLength']),
    blockCommon: values['passwords.blockCommon'] ? 'on' : '',
    claimDelayHours: values['roster.claimDelay'] === null ? '' : String(values['roster.claimDelay'] / 3600),
    ticketStart: values['tickets.window']?.start ?? '',
    ticketEnd: values['tickets.window']?.end ?? '',
    ticketMode: values['tickets.mode'],
    sessionMinutes: String(values['session.ttl'] / 60),
    deadline: values['readiness.deadline'] ?? '',
  };
  for (const [key, field] of THROTTLE_FIELDS) {
    const r = values[key];
    form[`${field}Limit`] = String(r.limit);
    form[`${field}Window`] = String(r.window / 60);
  }
  for (const entry of values['claim.questions']) {
    if (typeof entry === 'string') form[`q_${entry}`] = 'on';
    else {
      form[`custom_${entry.id}`] = 'on';
      form[`custom_${entry.id}_en`] = entry.text.en ?? '';
      form[`custom_${entry.id}_fr`] = entry.text.fr ?? '';
    }
  }
  return form;
}

/** Throttling rules on the form: policy key and field prefix. */
export const THROTTLE_FIELDS: [PolicyKey & `${string}.per${string}`, string][] = [
  ['login.perAccount', 'loginAccount'],
  ['login.perAddress', 'loginAddress'],
  ['claim.perStudent', 'claimStudent'],
  ['claim.perAddress', 'claimAddress'],
  ['recovery.perAccount', 'recoveryAccount'],
  ['recovery.perAddress', 'recoveryAddress'],
] as [any, string][];

function integer(text: string | undefined): number | null {
  const trimmed = (text ?? '').trim();
  return /^\d{1,9}$/.test(trimmed) ? Number(trimmed) : null;
}

function decimal(text: string | undefined): number | null {
  const trimmed = (text ?? '').trim().replace(',', '.');
  return /^\d{1,6}(\.\d{1,4})?$/.test(trimmed) ? Number(trimmed) : null;
}

/**
 * Reads the policies form: every field is checked and every problem reported at once (so the person fixes them in
 * one go). Nothing is saved unless there is no problem.
 */
export function parsePolicyForm(form: Record<string, string>, context: PolicyFormContext): { values: Partial<PolicyValues>; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const values: Partial<PolicyValues> = {};

  const minLength = integer(form.minLength);
  const maxMin = Math.min(64, context.maxPasswordLength);
  if (minLength === null || minLength < 8 || minLength > maxMin) errors.push({ field: 'minLength', message: 'minLength', params: { min: 8, max: maxMin } });
  else values['passwords.minLength'] = minLength;
  values['passwords.blockCommon'] = form.blockCommon === 'on';

  // The question pool: built-in questions ticked, custom ones kept (with their edited text), and at most one new one.
  const pool: QuestionConfig[] = [];
  for (const id of BUILT_IN_QUESTIONS) if (form[`q_${id}`] === 'on') pool.push(id);
  for (const entry of context.current['claim.questions']) {
    if (typeof entry === 'string') continue;
    const keep = form[`custom_${entry.id}`] === 'on';
    if (!keep) {
      if (context.questionsInUse.has(entry.id)) errors.push({ field: `custom_${entry.id}`, message: 'questionInUse' });
      continue;
    }
    const en = (form[`custom_${entry.id}_en`] ?? '').trim();
    const fr = (form[`custom_${entry.id}_fr`] ?? '').trim();
    if (!en || !fr || en.length > 200 || fr.length > 200) {
      errors.push({ field: `custom_${entry.id}_en`, message: 'questionText' });
      continue;
    }
    pool.push({ id: entry.id, text: { en, fr } });
  }
  const newEn = (form.newQuestionEn ?? '').trim();
  const newFr = (form.newQuestionFr ?? '').trim();
  if (newEn || newFr) {
    if (!newEn || !newFr || newEn.length > 200 || newFr.length > 200) errors.push({ field: 'newQuestionEn', message: 'questionText' });
    else pool.push({ id: `custom-${randomBytes(4).toString('hex')}`, text: { en: newEn, fr: newFr } });
  }
  if (pool.length < QUESTIONS_PER_ACCOUNT) errors.push({ field: 'questions', message: 'questionsTooFew', params: { count: QUESTIONS_PER_ACCOUNT } });
  else values['claim.questions'] = pool;

  if (context.hasClaimDelay) {
    const hours = decimal(form.claimDelayHours);
    if (hours === null || hours > 90 * 24) errors.push({ field: 'claimDelayHours', message: 'claimDelay', params: { max: 90 * 24 } });
    else values['roster.claimDelay'] = Math.round(hours * 3600);
  }

  const start = (form.ticketStart ?? '').trim();
  const end = (form.ticketEnd ?? '').trim();
  if (start && !isIsoDate(start)) errors.push({ field: 'ticketStart', message: 'date' });
  if (end && !isIsoDate(end)) errors.push({ field: 'ticketEnd', message: 'date' });
  if (!errors.some((e) => e.field === 'ticketStart' || e.field === 'ticketEnd')) {
    if (Boolean(start) !== Boolean(end)) errors.push({ field: start ? 'ticketEnd' : 'ticketStart', message: 'windowBothDates' });
    else if (start && end < start) errors.push({ field: 'ticketEnd', message: 'windowEndBeforeStart' });
    else values['tickets.window'] = start ? { start, end } : null;
  }
  if (!TICKET_MODES.includes(form.ticketMode as TicketMode)) errors.push({ field: 'ticketMode', message: 'ticketMode' });
  else values['tickets.mode'] = form.ticketMode as TicketMode;

  for (const [key, field] of THROTTLE_FIELDS) {
    const limit = integer(form[`${field}Limit`]);
    const minutes = integer(form[`${field}Window`]);
    if (limit === null || limit < 1 || limit > 100_000) errors.push({ field: `${field}Limit`, message: 'limit', params: { max: 100_000 } });
    if (minutes === null || minutes < 1 || minutes > 43_200) errors.push({ field: `${field}Window`, message: 'window', params: { max: 43_200 } });
    if (limit !== null && minutes !== null && !errors.some((e) => e.field.startsWith(field))) (values as any)[key] = { limit, window: minutes * 60 };
  }

  const sessionMinutes = integer(form.sessionMinutes);
  if (sessionMinutes === null || sessionMinutes < 5 || sessionMinutes > 1440) errors.push({ field: 'sessionMinutes', message: 'session', params: { min: 5, max: 1440 } });
  else values['session.ttl'] = sessionMinutes * 60;

  const deadline = (form.deadline ?? '').trim();
  if (deadline && !isIsoDate(deadline)) errors.push({ field: 'deadline', message: 'date' });
  else values['readiness.deadline'] = deadline || null;

  return { values, errors };
}
