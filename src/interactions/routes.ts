import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import { errors as oidcErrors } from 'oidc-provider';
import type { Services } from '../services.js';
import { AppError, tooManyRequests } from '../shared/errors.js';
import { formBody, formField } from '../http/middleware/body.js';
import { pageRouter, type PageDeps } from '../http/page-router.js';
import { helpLinksFor } from '../help/links.js';
import { FIRST_PARTY } from '../oidc/first-party.js';
import { seeOther } from '../http/redirect.js';
import { preferAppLocales } from '../http/middleware/locale.js';
import { deviceCookie } from '../http/device-cookie.js';
import { SAML_BRIDGE_CLIENT_ID } from '../saml/bridge.js';
import { pendingAppName } from '../saml/identity-provider.js';
import type { Account } from '../accounts/account.js';
import { asksForMultiFactor, badgeSignIn, passkeyAlone, passwordAndPasskey, passwordOnly, withSecondFactor, type AuthnContext } from '../mfa/authn-context.js';
import { challengeBindings, PasskeyChallenges } from '../mfa/passkey-challenges.js';
import { BADGE_START_COOKIE, badgeRoutes } from '../badges/routes.js';
import { YOUNG_APP_REASON } from '../oidc/young-apps.js';
import { renderYoungAppRefused } from '../http/young-app-refused.js';
import { totpSetup } from '../mfa/totp-setup.js';
import { secondStepIn, usernameIn, type LoginFlow, type SecondStep } from './login-flow.js';
import { pictureSteps } from '../pictures/routes.js';

export type InteractionDeps = Pick<
  Services,
  | 'config'
  | 'i18n'
  | 'clients'
  | 'authenticator'
  | 'events'
  | 'loginFlows'
  | 'flows'
  | 'samlProviders'
  | 'accounts'
  | 'secondFactors'
  | 'passkeys'
  | 'deviceTrust'
  | 'sealer'
  | 'pictures'
  | 'badges'
  | 'policies'
> &
  PageDeps & { provider: Provider };

const MAX_USERNAME = 100;
const MAX_PASSWORD = 1024;

/**
 * The provider's interactions: the letter's username-first login (Go, then Go), and consent for apps the district
 * did not mark first-party. Every route is a short chain ending in a domain call and a view.
 */
export function interactionRoutes(deps: InteractionDeps): Router {
  const { provider, loginFlows, views, csrf } = deps;
  const router = pageRouter(deps, { prefix: '/interaction/:uid' });
  const devices = deviceCookie(deps.config);
  const challenges = new PasskeyChallenges(deps.flows);

  /** Loads the interaction; an expired or foreign one becomes a friendly "start again" page. */
  async function details(ctx: Context) {
    try {
      const interaction = await provider.interactionDetails(ctx.req, ctx.res);
      if (interaction.uid !== ctx.params.uid) throw new oidcErrors.SessionNotFound('interaction mismatch');
      preferAppLocales(ctx, deps.i18n, interaction.params.ui_locales);
      return interaction;
    } catch (error) {
      if (error instanceof oidcErrors.SessionNotFound || error instanceof oidcErrors.InvalidRequest) {
        throw new AppError(400, 'INTERACTION_EXPIRED', 'errors.interactionExpired');
      }
      throw error;
    }
  }

  type Interaction = Awaited<ReturnType<typeof details>>;

  /**
   * Records the interaction's result and sends the browser back to the provider, as provider.interactionResult does
   * but on the interaction this request already loaded (and checked against its cookie) instead of reading it again.
   */
  async function finish(ctx: Context, interaction: Interaction, result: InteractionResults, options: { mergeWithLastSubmission: boolean }) {
    interaction.result = options.mergeWithLastSubmission && !('error' in result) ? { ...interaction.lastSubmission, ...result } : result;
    await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
    ctx.status = 303;
    ctx.redirect(interaction.returnTo);
  }

  /** Adds what the consent prompt found missing to the interaction's grant (creating it) and saves it. */
  async function grantMissing(interaction: Interaction): Promise<string> {
    const grant = interaction.grantId
      ? (await provider.Grant.find(interaction.grantId))!
      : new provider.Grant({ accountId: interaction.session!.accountId, clientId: String(interaction.params.client_id) });
    const missing = interaction.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    return grant.save();
  }

  function clientName(clientId: string) {
    return deps.clients.find(clientId).then((c) => c?.name ?? null);
  }

  /** The app the person is signing in to; for a SAML app, the one its pending request names. */
  function appNameOf(params: Record<string, unknown>) {
    if (params.client_id === SAML_BRIDGE_CLIENT_ID) return pendingAppName(deps.flows, deps.samlProviders, String(params.state ?? ''));
    return clientName(String(params.client_id));
  }

  async function renderLogin(ctx: Context, interaction: Interaction, username: string | null, error?: string, status = 200) {
    const appName = await appNameOf(interaction.params);
    views.render(
      ctx,
      username ? 'login/password' : 'login/username',
      {
        uid: interaction.uid,
        username,
        error,
        appName,
        helpLinks: helpLinksFor(deps.config, ctx.state.locale, deps.i18n, { onLogin: true }),
        picturesOffered: username !== null && deps.pictures.offered(),
        badgeOffered: deps.policies.current().signIn.badgeGrades.length > 0,
      },
      { title: 'login.title', status, private: true },
    );
  }

  /** The steps after the password, for staff who use a second factor: a code, setting an app up, recovery codes. */
  async function renderSecondStep(ctx: Context, interaction: Interaction, error?: string, status = 200) {
    return renderStep(ctx, interaction, await loginFlows.load(interaction.uid), error, status);
  }

  /** The page of the step the login flow is on: a second-factor step, else the username or the password page. */
  async function renderStep(ctx: Context, interaction: Interaction, loaded: LoginFlow, error?: string, status = 200) {
    const flow = secondStepIn(loaded);
    if (!flow) return renderLogin(ctx, interaction, usernameIn(loaded), error, status);
    const appName = await appNameOf(interaction.params);
    const base = { uid: interaction.uid, username: flow.context.username, error, appName };
    const steps: Record<SecondStep, () => Promise<[string, Record<string, unknown>]>> = {
      'second-factor': async () => {
        const kinds = new Set((await deps.secondFactors.list(flow.context.accountId)).map((f) => f.kind));
        return ['login/second-factor', { passkey: kinds.has('passkey'), app: kinds.has('totp') }];
      },
      enrol: async () => [
        'login/enrol',
        {
          setup: await totpSetup(deps.secondFactors.secretOf({ secretSealed: flow.context.secretSealed! }), deps.config, deps.i18n, flow.context.username),
          later: flow.context.graceUntil !== undefined && flow.context.graceUntil > Date.now(),
        },
      ],
      'recovery-codes': async () => ['login/recovery-codes', { codes: JSON.parse(deps.sealer.open(flow.context.codesSealed!)) as string[] }],
    };
    const [view, locals] = await steps[flow.step]();
    views.render(ctx, view, { ...base, ...locals }, { title: 'login.title', status, private: true });
  }

  /** The account past its password, in a second step of this interaction, with the step's context. */
  async function secondStepAccount(uid: string, step: SecondStep) {
    const flow = await loginFlows.secondStep(uid);
    if (!flow || flow.step !== step) return null;
    const account = await deps.accounts.findById(flow.context.accountId);
    return account && account.status === 'active' ? { flow, account } : null;
  }

  /**
   * The sign-in is complete: the browser is trusted for this account from now on, and the provider is told how.
   * remember: false makes the provider session a browser-session cookie: shared family devices forget it on close.
   */
  async function signedIn(ctx: Context, interaction: Interaction, account: Account, how: AuthnContext, deviceCookie: string | null) {
    devices.write(ctx, deviceCookie);
    await finish(ctx, interaction, { login: { accountId: account.id, remember: false, amr: how.amr, acr: how.acr } }, { mergeWithLastSubmission: false });
  }

  const pictures = pictureSteps(router, { deps, devices, details, appNameOf, finish, signedIn });

  router.get('/', async (ctx) => {
    const interaction = await details(ctx);
    if (interaction.prompt.name === 'login') {
      // Opened from a badge's address (/badge): straight to the badge page, which reads the code it carries.
      // One read of the login flow answers every question this page asks of it.
      const flow = await loginFlows.load(interaction.uid);
      if (ctx.cookies.get(BADGE_START_COOKIE) && !usernameIn(flow)) {
        ctx.cookies.set(BADGE_START_COOKIE, null);
        return seeOther(ctx, `/interaction/${interaction.uid}/badge`);
      }
      if (await pictures.render(ctx, interaction, flow)) return;
      return renderStep(ctx, interaction, flow);
    }
    if (interaction.prompt.name === 'consent') {
      const client = await provider.Client.find(String(interaction.params.client_id));
      if (interaction.prompt.reasons.includes(YOUNG_APP_REASON)) {
        await deps.events.emit({
          type: 'app.refused_young_sign_in',
          actorId: interaction.session?.accountId ?? null,
          subjectId: interaction.session?.accountId ?? null,
          ip: ctx.state.ip,
          data: { client: interaction.params.client_id },
        });
        return renderYoungAppRefused(views, ctx, (await clientName(String(interaction.params.client_id))) ?? String(interaction.params.client_id));
      }
      if (client?.metadata()[FIRST_PARTY]) {
        // The district's own apps never ask students to consent, even when the app asks for the prompt.
        return finish(ctx, interaction, { consent: { grantId: await grantMissing(interaction) } }, { mergeWithLastSubmission: true });
      }
      const scopes = String(interaction.params.scope ?? '')
        .split(' ')
        .filter((s) => s && s !== 'openid');
      return views.render(ctx, 'login/consent', { uid: interaction.uid, appName: client?.clientName ?? client?.clientId, scopes }, { title: 'consent.title', private: true });
    }
    throw new AppError(400, 'INTERACTION_UNSUPPORTED', 'errors.interactionExpired');
  });

  router.post('/username', formBody, csrf.verify, async (ctx) => {
    const interaction = await details(ctx);
    const username = formField(ctx, 'username').trim();
    if (!username || username.length > MAX_USERNAME) {
      return renderLogin(ctx, interaction, null, 'login.errors.usernameRequired', 400);
    }
    await loginFlows.chooseUsername(interaction.uid, username);
    seeOther(ctx, `/interaction/${interaction.uid}`);
  });

  router.post('/restart', formBody, csrf.verify, async (ctx) => {
    const interaction = await details(ctx);
    await loginFlows.restart(interaction.uid);
    seeOther(ctx, `/interaction/${interaction.uid}`);
  });

  router.post('/password', formBody, csrf.verify, async (ctx) => {
    const interaction = await details(ctx);
    const username = await loginFlows.username(interaction.uid);
    if (!username) {
      seeOther(ctx, `/interaction/${interaction.uid}`);
      return;
    }
    const password = formField(ctx, 'password');
    if (!password || password.length > MAX_PASSWORD) {
      return renderLogin(ctx, interaction, username, 'login.errors.failed', 401);
    }
    const outcome = await deps.authenticator.login(username, password, ctx.state.ip, devices.read(ctx));
    if (!outcome.ok) {
      if (outcome.reason === 'throttled') throw tooManyRequests(outcome.retryAfter);
      return renderLogin(ctx, interaction, username, 'login.errors.failed', 401);
    }
    const { account } = outcome;
    const multiFactorAsked = asksForMultiFactor(interaction.params.acr_values);
    if (deps.secondFactors.needed(account) || multiFactorAsked) {
      // The device cookie waits for the second factor: it is issued to browsers that completed the sign-in.
      if (account.secondFactor) await loginFlows.moveTo(interaction.uid, 'second-factor', { username, accountId: account.id });
      else if (deps.secondFactors.offered(account)) {
        // An app that asks for two factors gets them: no "Later" then.
        const graceUntil = multiFactorAsked ? null : await deps.secondFactors.graceUntil(account);
        const context = { username, accountId: account.id, secretSealed: deps.secondFactors.newTotp().secretSealed };
        await loginFlows.moveTo(interaction.uid, 'enrol', graceUntil === null ? context : { ...context, graceUntil });
      } else {
        await loginFlows.restart(interaction.uid);
        await finish(
          ctx,
          interaction,
          { error: 'unmet_authentication_requirements', error_description: 'this account cannot use a second factor' },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      return seeOther(ctx, `/interaction/${interaction.uid}`);
    }
    // The login flow's record, which holds only the username, expires with the interaction and the purge removes it.
    await signedIn(ctx, interaction, account, passwordOnly(), outcome.deviceCookie);
  });

  router.post('/second-factor', formBody, csrf.verify, async (ctx) => {
    const interaction = await details(ctx);
    const found = await secondStepAccount(interaction.uid, 'second-factor');
    if (!found) return seeOther(ctx, `/interaction/${interaction.uid}`);
    const code = formField(ctx, 'code');
    if (!code || code.length > 40) return renderSecondStep(ctx, interaction, 'login.errors.failed', 401);
    const outcome = await deps.secondFactors.verify(found.account, code, ctx.state.ip);
    if (!outcome.ok) {
      if (outcome.reason === 'throttled') throw tooManyRequests(outcome.retryAfter);
      return renderSecondStep(ctx, interaction, 'login.errors.failed', 401);
    }
    // The flow's record holds the account id: it goes now rather than at the purge.
    await loginFlows.restart(interaction.uid);
    await signedIn(ctx, interaction, found.account, withSecondFactor(outcome.method), deps.deviceTrust.issue(devices.read(ctx), found.account.username));
  });

  router.post('/enrol', formBody, csrf.verify, async (ctx) => {
    const interaction = await details(ctx);
    const found = await secondStepAccount(interaction.uid, 'enrol');
    if (!found) return seeOther(ctx, `/interaction/${interaction.uid}`);
    const name = formField(ctx, 'name').trim() || ctx.state.t('mfa.defaultName');
    const result = await deps.secondFactors.confirmTotp(found.account, { secretSealed: found.flow.context.secretSealed! }, formField(ctx, 'code'), name, ctx.state.ip);
    if (!result) return renderSecondStep(ctx, interaction, 'mfa.errors.codeWrong', 400);
    if (result.recoveryCodes) {
      const context = { username: found.flow.context.username, accountId: found.account.id, codesSealed: deps.sealer.seal(JSON.stringify(result.recoveryCodes)) };
      await loginFlows.moveTo(interaction.uid, 'recovery-codes', context, found.flow.version);
      return seeOther(ctx, `/interaction/${interaction.uid}`);
    }
    await loginFlows.restart(interaction.uid);
    await signedIn(ctx, interaction, found.account, withSecondFactor('otp'), deps.deviceTrust.issue(devices.read(ctx), found.account.username));
  });

  router.post('/recovery-codes', formBody, csrf.verify, async (ctx) => {
    const interaction = await details(ctx);
    const found = await secondStepAccount(interaction.uid, 'recovery-codes');
    if (!found) return seeOther(ctx, `/interaction/${interaction.uid}`);
    await loginFlows.restart(interaction.uid);
    await signedIn(ctx, interaction, found.account, found.flow.context.how ?? withSecondFactor('otp'), deps.deviceTrust.issue(devices.read(ctx), found.account.username));
  });

  /**
   * "Later", within the grace period: the sign-in goes on with the password alone. The grace period is checked again
   * here (the page may have been left open past its end).
   */
  router.post('/later', formBody, csrf.verify, async (ctx) => {
    const interaction = await details(ctx);
    const found = await secondStepAccount(interaction.uid, 'enrol');
    if (!found) return seeOther(ctx, `/interaction/${interaction.uid}`);
    const until = asksForMultiFactor(interaction.params.acr_values) ? null : await deps.secondFactors.graceUntil(found.account);
    if (until === null) return renderSecondStep(ctx, interaction, 'mfa.errors.graceOver', 400);
    await deps.secondFactors.deferred(found.account, until, ctx.state.ip);
    await loginFlows.restart(interaction.uid);
    await signedIn(ctx, interaction, found.account, passwordOnly(), deps.deviceTrust.issue(devices.read(ctx), found.account.username));
  });

  /**
   * The WebAuthn options for this sign-in, fetched by the page's script: after the password, the account's passkeys
   * (or, at the enrol step, creating one); before it, any discoverable passkey. The challenge is kept server-side.
   */
  router.post('/passkey/options', formBody, csrf.verify, async (ctx) => {
    const interaction = await details(ctx);
    const flow = await loginFlows.secondStep(interaction.uid);
    const binding = challengeBindings.signIn(interaction.uid);
    ctx.set('Cache-Control', 'no-store');
    if (flow?.step === 'enrol') {
      const account = await deps.accounts.findById(flow.context.accountId);
      if (!account) throw new AppError(400, 'INTERACTION_EXPIRED', 'errors.interactionExpired');
      const options = await deps.passkeys.registrationOptions(account);
      await challenges.issue(binding, { challenge: options.challenge, purpose: 'register', accountId: account.id });
      ctx.body = { options };
      return;
    }
    const accountId = flow?.step === 'second-factor' ? flow.context.accountId : null;
    const options = await deps.passkeys.authenticationOptions(accountId);
    await challenges.issue(binding, { challenge: options.challenge, purpose: 'authenticate', accountId });
    ctx.body = { options };
  });

  /** A passkey's answer: the second factor after the password, or (from the username page) the whole sign-in. */
  router.post('/passkey', formBody, csrf.verify, async (ctx) => {
    const interaction = await details(ctx);
    const flow = await loginFlows.secondStep(interaction.uid);
    const taken = await challenges.take(challengeBindings.signIn(interaction.uid), 'authenticate');
    // Past the password, only that account's passkey counts; without a challenge the answer fails like a wrong one.
    const accountId = flow?.step === 'second-factor' ? flow.context.accountId : (taken?.accountId ?? null);
    const challenge = taken && taken.accountId === accountId ? taken.challenge : '';
    const multiFactorAsked = asksForMultiFactor(interaction.params.acr_values);
    const outcome = await deps.passkeys.authenticate({ accountId, challenge, multiFactorAsked }, formField(ctx, 'response'), ctx.state.ip);
    if (!outcome.ok) {
      if (outcome.reason === 'throttled') throw tooManyRequests(outcome.retryAfter);
      return renderSecondStep(ctx, interaction, 'login.errors.failed', 401);
    }
    await loginFlows.restart(interaction.uid);
    const how = accountId ? passwordAndPasskey(outcome.userVerified) : passkeyAlone(outcome.userVerified);
    await signedIn(ctx, interaction, outcome.account, how, deps.deviceTrust.issue(devices.read(ctx), outcome.account.username));
  });

  /** A required-role account sets up a passkey instead of an authenticator app at the enrol step. */
  router.post('/enrol-passkey', formBody, csrf.verify, async (ctx) => {
    const interaction = await details(ctx);
    const found = await secondStepAccount(interaction.uid, 'enrol');
    if (!found) return seeOther(ctx, `/interaction/${interaction.uid}`);
    const taken = await challenges.take(challengeBindings.signIn(interaction.uid), 'register');
    const name = formField(ctx, 'name').trim() || ctx.state.t('mfa.passkey.defaultName');
    const result =
      taken && taken.accountId === found.account.id
        ? await deps.passkeys.confirmRegistration(found.account, taken.challenge, formField(ctx, 'response'), name, ctx.state.ip)
        : null;
    if (!result) return renderSecondStep(ctx, interaction, 'mfa.errors.passkeyFailed', 400);
    // The passkey just created comes after the password: two factors.
    const how = passwordAndPasskey(result.userVerified);
    if (result.recoveryCodes) {
      const context = { username: found.flow.context.username, accountId: found.account.id, codesSealed: deps.sealer.seal(JSON.stringify(result.recoveryCodes)), how };
      await loginFlows.moveTo(interaction.uid, 'recovery-codes', context, found.flow.version);
      return seeOther(ctx, `/interaction/${interaction.uid}`);
    }
    await loginFlows.restart(interaction.uid);
    await signedIn(ctx, interaction, found.account, how, deps.deviceTrust.issue(devices.read(ctx), found.account.username));
  });

  badgeRoutes(router, {
    ...deps,
    details,
    appNameOf,
    signedIn: async (ctx, interaction, account) => {
      await loginFlows.restart(interaction.uid);
      // A badge is one factor: an account or an app that needs a second one cannot be opened with it.
      if (deps.secondFactors.needed(account) || asksForMultiFactor(interaction.params.acr_values)) {
        return finish(
          ctx,
          interaction,
          { error: 'unmet_authentication_requirements', error_description: 'a badge sign-in cannot give a second factor' },
          { mergeWithLastSubmission: false },
        );
      }
      await signedIn(ctx, interaction, account, badgeSignIn(), null);
    },
  });

  router.post('/consent', formBody, csrf.verify, async (ctx) => {
    const interaction = await details(ctx);
    if (interaction.prompt.name !== 'consent') throw new AppError(400, 'INTERACTION_EXPIRED', 'errors.interactionExpired');
    if (formField(ctx, 'decision') !== 'allow') {
      await finish(ctx, interaction, { error: 'access_denied', error_description: 'the user denied access' }, { mergeWithLastSubmission: false });
      return;
    }
    const accountId = interaction.session!.accountId;
    const grantId = await grantMissing(interaction);
    await deps.events.emit({ type: 'consent.granted', actorId: accountId, subjectId: accountId, ip: ctx.state.ip, data: { client: interaction.params.client_id } });
    await finish(ctx, interaction, { consent: { grantId } }, { mergeWithLastSubmission: true });
  });

  router.post('/abort', formBody, csrf.verify, async (ctx) => {
    await finish(ctx, await details(ctx), { error: 'access_denied', error_description: 'the user cancelled the sign-in' }, { mergeWithLastSubmission: false });
  });

  return router;
}
