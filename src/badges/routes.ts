import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Account } from '../accounts/account.js';
import { formBody, formField } from '../http/middleware/body.js';
import type { PageDeps } from '../http/page-router.js';
import type { Services } from '../services.js';
import { tooManyRequests } from '../shared/errors.js';

/** Set by /badge (a badge's QR code opened by a phone's camera app): the sign-in it starts opens the badge page. */
export const BADGE_START_COOKIE = 'hr_badge_start';

/** The camera needs the page's permission: every other page keeps `camera=()`. */
const CAMERA_ALLOWED = 'camera=(self), microphone=(), geolocation=()';

const MAX_CODE = 200;

interface LoginInteraction {
  uid: string;
  params: Record<string, unknown>;
  prompt: { name: string };
}

export type BadgeRouteDeps<I extends LoginInteraction> = Pick<Services, 'badges'> &
  PageDeps & {
    details: (ctx: Context) => Promise<I>;
    appNameOf: (params: Record<string, unknown>) => Promise<string | null>;
    signedIn: (ctx: Context, interaction: I, account: Account) => Promise<void>;
  };

/**
 * "Sign in with my badge", on the provider's interaction (so single sign-on into OIDC and SAML apps works as after a
 * password): the page scans the badge's QR code with the camera, or takes the code typed from the card.
 */
export function badgeRoutes<I extends LoginInteraction>(router: Router, deps: BadgeRouteDeps<I>): void {
  const { views, csrf, details } = deps;

  async function render(ctx: Context, interaction: I, error?: string, status = 200) {
    ctx.set('Permissions-Policy', CAMERA_ALLOWED);
    views.render(ctx, 'login/badge', { uid: interaction.uid, error, appName: await deps.appNameOf(interaction.params) }, { title: 'badges.signIn.heading', status, private: true });
  }

  router.get('/badge', async (ctx) => {
    const interaction = await details(ctx);
    if (interaction.prompt.name !== 'login') return ctx.redirect(`/interaction/${interaction.uid}`);
    await render(ctx, interaction);
  });

  router.post('/badge', formBody, csrf.verify, async (ctx) => {
    const interaction = await details(ctx);
    const code = formField(ctx, 'code');
    if (!code.trim() || code.length > MAX_CODE) return render(ctx, interaction, 'login.errors.failed', 401);
    const outcome = await deps.badges.signIn(code, ctx.state.ip);
    if (!outcome.ok) {
      if (outcome.reason === 'throttled') throw tooManyRequests(outcome.retryAfter);
      return render(ctx, interaction, 'login.errors.failed', 401);
    }
    await deps.signedIn(ctx, interaction, outcome.account);
  });
}
