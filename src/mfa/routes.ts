import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Account } from '../accounts/account.js';
import { formBody, formField } from '../http/middleware/body.js';
import { pageRouter, type PageDeps } from '../http/page-router.js';
import { seeOther } from '../http/redirect.js';
import type { SignedInAs } from '../http/signed-in.js';
import { dateTimeFormat } from '../i18n/format.js';
import type { Services } from '../services.js';
import { AppError, notFound } from '../shared/errors.js';
import { challengeBindings, PasskeyChallenges } from './passkey-challenges.js';
import { SetupFlows } from './setup-flows.js';
import { totpSetup } from './totp-setup.js';

export type SecurityDeps = Pick<Services, 'config' | 'i18n' | 'secondFactors' | 'passkeys' | 'flows' | 'sealer' | 'accounts'> & PageDeps & { signedIn: SignedInAs };

/** Roles that may manage a second factor: all staff. Students are never offered one. */
export const STAFF_ROLES = ['teacher', 'staff', 'helpdesk', 'admin'] as const;

const DONE = new Set(['added', 'passkey', 'removed', 'renamed', 'codes']);

/** /account/security: staff add, name, list and remove their second factors, and get new recovery codes. */
export function securityRoutes(deps: SecurityDeps): Router {
  const { secondFactors, views, csrf } = deps;
  const router = pageRouter(deps);
  const staff = deps.signedIn([...STAFF_ROLES]);
  const desk = deps.signedIn(['helpdesk', 'admin']);
  const setups = new SetupFlows(deps.flows);
  const challenges = new PasskeyChallenges(deps.flows);
  const me = (ctx: Context) => ctx.state.account as Account;
  const dateTime = (locale: string, ms: number) => dateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: deps.config.district.timeZone }).format(ms);

  async function setupOrThrow(ctx: Context) {
    const flow = await setups.find(String(ctx.params.id), me(ctx).id);
    if (!flow) throw new AppError(404, 'SETUP_EXPIRED', 'mfa.errors.setupExpired');
    return flow;
  }

  async function renderScan(ctx: Context, secretSealed: string, error?: string, status = 200) {
    const setup = await totpSetup(secondFactors.secretOf({ secretSealed }), deps.config, deps.i18n, me(ctx).username);
    views.render(ctx, 'mfa/add-app', { setup, action: `/account/security/app/${ctx.params.id}`, error }, { title: 'mfa.security.addApp', status, private: true });
  }

  async function renderSecurity(ctx: Context, error?: string, status = 200) {
    const account = me(ctx);
    const [factors, codesLeft] = await Promise.all([secondFactors.list(account.id), secondFactors.unusedRecoveryCodes(account.id)]);
    const done = !error && typeof ctx.query.done === 'string' && DONE.has(ctx.query.done) ? ctx.query.done : null;
    views.render(
      ctx,
      'mfa/security',
      { account, factors, codesLeft, required: secondFactors.required(account), done, error, formatTime: (ms: number) => dateTime(ctx.state.locale, ms) },
      { title: 'mfa.security.title', status, private: true },
    );
  }

  router.get('/account/security', staff, (ctx) => renderSecurity(ctx));

  // Adding a passkey: the page's script fetches the options (the challenge stays here, in a flow record bound to the
  // account), has the browser create the credential, then posts it with its name.
  router.post('/account/security/passkey/options', staff, formBody, csrf.verify, async (ctx) => {
    const options = await deps.passkeys.registrationOptions(me(ctx));
    await challenges.issue(challengeBindings.account(me(ctx).id), { challenge: options.challenge, purpose: 'register', accountId: me(ctx).id });
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { options };
  });

  router.post('/account/security/passkey', staff, formBody, csrf.verify, async (ctx) => {
    const account = me(ctx);
    const taken = await challenges.take(challengeBindings.account(account.id), 'register');
    const name = formField(ctx, 'name').trim() || ctx.state.t('mfa.passkey.defaultName');
    const result = taken ? await deps.passkeys.confirmRegistration(account, taken.challenge, formField(ctx, 'response'), name, ctx.state.ip) : null;
    if (!result) return renderSecurity(ctx, 'mfa.errors.passkeyFailed', 400);
    if (!result.recoveryCodes) return seeOther(ctx, '/account/security?done=passkey');
    const id = await setups.start('codes', { accountId: account.id, codesSealed: deps.sealer.seal(JSON.stringify(result.recoveryCodes)) });
    seeOther(ctx, `/account/security/codes/${id}`);
  });

  router.post('/account/security/app', staff, formBody, csrf.verify, async (ctx) => {
    const id = await setups.start('scan', { accountId: me(ctx).id, secretSealed: secondFactors.newTotp().secretSealed });
    seeOther(ctx, `/account/security/app/${id}`);
  });

  router.get('/account/security/app/:id', staff, async (ctx) => {
    const flow = await setupOrThrow(ctx);
    if (flow.step === 'codes') return seeOther(ctx, `/account/security/codes/${ctx.params.id}`);
    await renderScan(ctx, flow.context.secretSealed!);
  });

  router.post('/account/security/app/:id', staff, formBody, csrf.verify, async (ctx) => {
    const flow = await setupOrThrow(ctx);
    if (flow.step !== 'scan') return seeOther(ctx, `/account/security/codes/${ctx.params.id}`);
    const name = formField(ctx, 'name').trim() || ctx.state.t('mfa.defaultName');
    const result = await secondFactors.confirmTotp(me(ctx), { secretSealed: flow.context.secretSealed! }, formField(ctx, 'code'), name, ctx.state.ip);
    if (!result) return renderScan(ctx, flow.context.secretSealed!, 'mfa.errors.codeWrong', 400);
    if (!result.recoveryCodes) {
      await setups.end(String(ctx.params.id));
      return seeOther(ctx, '/account/security?done=added');
    }
    await setups.showCodes(String(ctx.params.id), flow.version, { accountId: me(ctx).id, codesSealed: deps.sealer.seal(JSON.stringify(result.recoveryCodes)) });
    seeOther(ctx, `/account/security/codes/${ctx.params.id}`);
  });

  router.post('/account/security/codes', staff, formBody, csrf.verify, async (ctx) => {
    if (!me(ctx).secondFactor) throw notFound();
    const codes = await secondFactors.newRecoveryCodes(me(ctx), ctx.state.ip);
    const id = await setups.start('codes', { accountId: me(ctx).id, codesSealed: deps.sealer.seal(JSON.stringify(codes)) });
    seeOther(ctx, `/account/security/codes/${id}`);
  });

  router.get('/account/security/codes/:id', staff, async (ctx) => {
    const flow = await setupOrThrow(ctx);
    if (flow.step !== 'codes') return seeOther(ctx, `/account/security/app/${ctx.params.id}`);
    const codes = JSON.parse(deps.sealer.open(flow.context.codesSealed!)) as string[];
    views.render(ctx, 'mfa/codes', { codes, action: `/account/security/codes/${ctx.params.id}` }, { title: 'mfa.codes.heading', private: true });
  });

  router.post('/account/security/codes/:id', staff, formBody, csrf.verify, async (ctx) => {
    await setupOrThrow(ctx);
    await setups.end(String(ctx.params.id));
    seeOther(ctx, '/account/security?done=codes');
  });

  router.post('/account/security/factors/:factor/rename', staff, formBody, csrf.verify, async (ctx) => {
    if (!(await secondFactors.rename(me(ctx), String(ctx.params.factor), formField(ctx, 'name'), ctx.state.ip))) throw new AppError(404, 'FACTOR_NOT_FOUND', 'mfa.errors.notFound');
    seeOther(ctx, '/account/security?done=renamed');
  });

  router.post('/account/security/factors/:factor/remove', staff, formBody, csrf.verify, async (ctx) => {
    const account = me(ctx);
    const factors = await secondFactors.list(account.id);
    if (!factors.some((f) => f.id === ctx.params.factor)) throw new AppError(404, 'FACTOR_NOT_FOUND', 'mfa.errors.notFound');
    if (factors.length === 1 && secondFactors.required(account)) throw new AppError(409, 'LAST_FACTOR_REQUIRED', 'mfa.errors.lastFactorRequired');
    await secondFactors.remove(account, String(ctx.params.factor), ctx.state.ip);
    seeOther(ctx, '/account/security?done=removed');
  });

  async function renderDesk(ctx: Context, username: string, form: { ticket: string }, error?: string, status = 200) {
    const person = username ? await deps.accounts.findByUsername(username) : null;
    const found = person && STAFF_ROLES.some((role) => person.roles.includes(role)) ? person : null;
    const factors = found ? await secondFactors.list(found.id) : [];
    const done = ctx.query.done === 'reset';
    views.render(
      ctx,
      'mfa/helpdesk',
      { username, person: found, factors, form, error, done, notFound: Boolean(username) && !found, formatTime: (ms: number) => dateTime(ctx.state.locale, ms) },
      { title: 'mfa.helpdesk.title', status, private: true },
    );
  }

  // The help desk sees names, kinds and dates of a staff member's factors, never a secret or a code.
  router.get('/helpdesk/second-factors', desk, async (ctx) => {
    await renderDesk(ctx, typeof ctx.query.username === 'string' ? ctx.query.username.trim().slice(0, 100) : '', { ticket: '' });
  });

  router.post('/helpdesk/second-factors/reset', desk, formBody, csrf.verify, async (ctx) => {
    const username = formField(ctx, 'username').trim();
    const ticket = formField(ctx, 'ticket');
    const person = await deps.accounts.findByUsername(username);
    if (!person || !STAFF_ROLES.some((role) => person.roles.includes(role))) throw new AppError(404, 'NOT_STAFF', 'mfa.helpdesk.notFound');
    try {
      await secondFactors.reset(me(ctx), person, ticket, ctx.state.ip);
    } catch (error) {
      if (error instanceof AppError && error.status === 400) return renderDesk(ctx, username, { ticket }, error.messageId, 400);
      throw error;
    }
    seeOther(ctx, `/helpdesk/second-factors?username=${encodeURIComponent(person.username)}&done=reset`);
  });

  return router;
}
