import { randomBytes } from 'node:crypto';
import { ROLES, type Role } from '../accounts/account.js';
import { BUILT_IN_QUESTIONS, QUESTIONS_PER_ACCOUNT, type QuestionConfig } from '../accounts/challenge-questions.js';
import { parseGradeList } from '../accounts/grade-code.js';
import { TICKET_MODES, YOUNG_APPS, type PolicyKey, type PolicyValues, type TicketMode, type YoungApps } from '../policies/definitions.js';
import type { FieldError } from '../shared/field-error.js';
import { isIsoDate } from '../shared/iso-date.js';

export interface PolicyFormContext {
  current: PolicyValues;
  hasClaimDelay: boolean;
  /** Custom question ids someone has already chosen (their text must stay so recovery can show it). */
  questionsInUse: ReadonlySet<string>;
  maxPasswordLength: number;
  /** Roles some student account holds: requiring a second factor of them needs an explicit confirmation. */
  rolesWithStudents: ReadonlySet<Role>;
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
    badgeGrades: values['signIn.badgeGrades'].join(', '),
    pictureGrades: values['signIn.pictureGrades'].join(', '),
    youngApps: values['signIn.youngApps'],
    mfaGraceDays: graceDaysText(values['mfa.gracePeriod']),
  };
  for (const role of values['mfa.requiredRoles']) form[`mfa_${role}`] = 'on';
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

/** Seconds as days, to the four decimals the form reads back. */
function graceDaysText(seconds: number): string {
  return String(Math.round((seconds / 86400) * 10_000) / 10_000);
}

/** Throttling rules on the form: policy key and field prefix. */
type ThrottleKey = PolicyKey & `${string}.per${string}`;

export const THROTTLE_FIELDS: [ThrottleKey, string][] = [
  ['login.perAccount', 'loginAccount'],
  ['login.perAddress', 'loginAddress'],
  ['login.perDevice', 'loginDevice'],
  ['claim.perStudent', 'claimStudent'],
  ['claim.perAddress', 'claimAddress'],
  ['recovery.perAccount', 'recoveryAccount'],
  ['recovery.perAddress', 'recoveryAddress'],
  ['recovery.perDevice', 'recoveryDevice'],
];

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
    // The page edits English and French; the other languages the configuration gave stay.
    pool.push({ id: entry.id, text: { ...entry.text, en, fr } });
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
    if (limit !== null && minutes !== null && !errors.some((e) => e.field.startsWith(field))) values[key] = { limit, window: minutes * 60 };
  }

  const sessionMinutes = integer(form.sessionMinutes);
  if (sessionMinutes === null || sessionMinutes < 5 || sessionMinutes > 1440) errors.push({ field: 'sessionMinutes', message: 'session', params: { min: 5, max: 1440 } });
  else values['session.ttl'] = sessionMinutes * 60;

  const deadline = (form.deadline ?? '').trim();
  if (deadline && !isIsoDate(deadline)) errors.push({ field: 'deadline', message: 'date' });
  else values['readiness.deadline'] = deadline || null;

  const requiredRoles = ROLES.filter((role) => form[`mfa_${role}`] === 'on');
  const withStudents = requiredRoles.filter((role) => role === 'student' || context.rolesWithStudents.has(role));
  // Children must never find a second factor demanded of them by a stray tick: it takes a second, deliberate one.
  if (withStudents.length && form.mfaConfirmStudents !== 'on') errors.push({ field: 'mfaConfirmStudents', message: 'mfaStudents', params: { roles: withStudents.join(', ') } });
  else values['mfa.requiredRoles'] = requiredRoles;

  for (const [field, key] of [
    ['badgeGrades', 'signIn.badgeGrades'],
    ['pictureGrades', 'signIn.pictureGrades'],
  ] as const) {
    const { grades, invalid } = parseGradeList(form[field] ?? '');
    if (invalid.length || grades.length > 40) errors.push({ field, message: 'grades' });
    else values[key] = grades;
  }
  if (!YOUNG_APPS.includes(form.youngApps as YoungApps)) errors.push({ field: 'youngApps', message: 'youngApps' });
  else values['signIn.youngApps'] = form.youngApps as YoungApps;
  // Left empty: no grace period. Absent (a form from before the field existed): unchanged.
  const graceText = form.mfaGraceDays ?? graceDaysText(context.current['mfa.gracePeriod']);
  const graceDays = graceText.trim() === '' ? 0 : decimal(graceText);
  if (graceDays === null || graceDays > 90) errors.push({ field: 'mfaGraceDays', message: 'mfaGrace', params: { max: 90 } });
  else values['mfa.gracePeriod'] = Math.round(graceDays * 86400);

  return { values, errors };
}
