import { z } from 'zod';
import { ROLES, type Role } from '../accounts/account.js';
import { BUILT_IN_QUESTIONS, QUESTIONS_PER_ACCOUNT, type QuestionConfig } from '../accounts/challenge-questions.js';
import { gradeCode } from '../accounts/grade-code.js';
import { isIsoDate } from '../shared/iso-date.js';
import type { ThrottleRule } from '../throttle/throttle.js';

export type TicketMode = 'ticket' | 'direct';
/** What a badge or picture sign-in may open: every app, or only those marked for young students. */
export type YoungApps = 'all' | 'marked';
export const YOUNG_APPS: readonly YoungApps[] = ['all', 'marked'];
export const TICKET_MODES: readonly TicketMode[] = ['ticket', 'direct'];

/** A DNS domain name as Google's Admin console shows a primary domain: lower case, at least one dot, no trailing dot. */
export const DOMAIN = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

const isoDate = z.string().refine(isIsoDate, 'expected a date YYYY-MM-DD');
const rule = z.strictObject({
  limit: z.number().int().min(1).max(100_000),
  window: z
    .number()
    .int()
    .min(1)
    .max(30 * 86400),
});
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
  'roster.claimDelay': {
    schema: z
      .number()
      .int()
      .min(0)
      .max(90 * 86400),
    config: ['roster.claimDelay'],
  },
  'tickets.window': { schema: z.strictObject({ start: isoDate, end: isoDate }).nullable(), config: [] },
  'tickets.mode': { schema: z.enum(['ticket', 'direct']), config: [] },
  'login.perAccount': { schema: rule, config: ['login.perAccount'] },
  'login.perAddress': { schema: rule, config: ['login.perAddress'] },
  'login.perDevice': { schema: rule, config: ['login.perDevice'] },
  'claim.perAddress': { schema: rule, config: ['claim.perAddress'] },
  'claim.perStudent': { schema: rule, config: ['claim.perStudent'] },
  'recovery.perAccount': { schema: rule, config: ['recovery.perAccount'] },
  'recovery.perAddress': { schema: rule, config: ['recovery.perAddress'] },
  'recovery.perDevice': { schema: rule, config: ['recovery.perDevice'] },
  // One length for the provider's sign-in session and the portal's: the portal must not outlive the sign-in on a
  // shared device.
  'session.ttl': { schema: z.number().int().min(300).max(86400), config: ['session.ttl', 'session.portalTtl'] },
  'readiness.deadline': { schema: isoDate.nullable(), config: [] },
  'mfa.requiredRoles': { schema: z.array(z.enum(ROLES)), config: ['mfa.requiredRoles'] },
  'mfa.gracePeriod': {
    schema: z
      .number()
      .int()
      .min(0)
      .max(90 * 86400),
    config: ['mfa.gracePeriod'],
  },
  'signIn.badgeGrades': { schema: z.array(gradeCode).max(40), config: ['signIn.badgeGrades'] },
  'signIn.pictureGrades': { schema: z.array(gradeCode).max(40), config: ['signIn.pictureGrades'] },
  'signIn.youngApps': { schema: z.enum(YOUNG_APPS), config: ['signIn.youngApps'] },
  'google.domain': { schema: z.string().regex(DOMAIN).nullable(), config: [] },
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
  'login.perDevice': ThrottleRule;
  'claim.perAddress': ThrottleRule;
  'claim.perStudent': ThrottleRule;
  'recovery.perAccount': ThrottleRule;
  'recovery.perAddress': ThrottleRule;
  'recovery.perDevice': ThrottleRule;
  /** Seconds. */
  'session.ttl': number;
  'readiness.deadline': string | null;
  'mfa.requiredRoles': Role[];
  /** Seconds; 0: none. */
  'mfa.gracePeriod': number;
  'signIn.badgeGrades': string[];
  'signIn.pictureGrades': string[];
  'signIn.youngApps': YoungApps;
  'google.domain': string | null;
}

/** The policies in force, as the rest of Homeroom reads them (`services.policies.current()`). */
export interface Policies {
  passwords: { minLength: number; blockCommon: boolean };
  questions: QuestionConfig[];
  /** Seconds from the roster first listing a student until the account can be claimed; null without a roster. */
  claimDelay: number | null;
  /** When teachers may open account-reset tickets (dates inclusive, YYYY-MM-DD); null: always. */
  tickets: { window: { start: string; end: string } | null; mode: TicketMode };
  login: { perAccount: ThrottleRule; perAddress: ThrottleRule; perDevice: ThrottleRule };
  claim: { perAddress: ThrottleRule; perStudent: ThrottleRule };
  recovery: { perAccount: ThrottleRule; perAddress: ThrottleRule; perDevice: ThrottleRule };
  session: { ttl: number };
  /** The date by which every enrolled student should be able to sign in (YYYY-MM-DD); null: not set. */
  readiness: { deadline: string | null };
  /** Roles that must use a second factor. */
  mfa: { requiredRoles: Role[]; gracePeriod: number };
  /** How the youngest sign in: the grades offered a badge or pictures, and what those sign-ins may open. */
  signIn: { badgeGrades: string[]; pictureGrades: string[]; youngApps: YoungApps };
  /** The district's primary Google Workspace domain (maple-valley.example), set on the Google Workspace page; null: not set. */
  google: { domain: string | null };
}
