import type { Context } from 'koa';
import { formBody } from '../../http/middleware/body.js';
import { seeOther } from '../../http/redirect.js';
import type { FieldError } from '../../shared/field-error.js';
import { pageNumber, type ConsoleKit } from '../console.js';
import { googleProfileValues, googleRedirectUriError, readPrimaryDomain } from '../google-workspace.js';

const PAGE_SIZE = 50;

/**
 * Connect Google Workspace: the district's primary domain, remembered (a policy, so every process and the account
 * pages see it); the values Google's SAML and custom OIDC profiles ask for, from the issuer; the OIDC client made on
 * request; and the accounts Google cannot know for want of an email address.
 */
export function googlePages({ router, services, verifyCsrf, admin, render, actor, body }: ConsoleKit): void {
  const setup = services.googleWorkspace;

  async function page(
    ctx: Context,
    extra: { form?: Record<string, string>; errors?: FieldError[]; created?: { clientId: string; clientSecret: string | null } | null; status?: number } = {},
  ) {
    const domain = services.policies.current().google.domain;
    const current = pageNumber(ctx);
    const [readiness, client, samlApps] = await Promise.all([
      setup.emailReadiness(domain, { offset: (current - 1) * PAGE_SIZE, limit: PAGE_SIZE }),
      setup.oidcClient(),
      services.samlProviders.list(),
    ]);
    const pages = Math.max(1, Math.ceil(readiness.withoutEmail.total / PAGE_SIZE));
    const query = (n: number) => `/admin/google?page=${n}#no-email`;
    render(
      ctx,
      'google',
      'google',
      {
        domain,
        form: { domain: domain ?? '', redirectUri: '', ...extra.form },
        errors: extra.errors ?? [],
        values: googleProfileValues(services.config),
        client,
        created: extra.created ?? null,
        googleSamlApps: samlApps.filter((p) => /(^|[./])google\.com([/:]|$)/.test(p.entityId)),
        readiness,
        paging: { current, pages, previous: current > 1 ? query(current - 1) : null, next: current < pages ? query(current + 1) : null },
      },
      'admin.google.title',
      extra.status ?? 200,
    );
  }

  router.get('/admin/google', admin, async (ctx) => {
    await page(ctx);
  });

  // The domain is kept with the policies: audited as policy.changed, before and after. A blank field forgets it.
  router.post('/admin/google/domain', admin, formBody, verifyCsrf, async (ctx) => {
    const text = (body(ctx).domain ?? '').trim().slice(0, 300);
    const domain = text ? readPrimaryDomain(text) : null;
    if (text && !domain) return page(ctx, { form: { domain: text }, errors: [{ field: 'domain', message: 'googleDomain' }], status: 400 });
    const changed = await services.policies.save({ 'google.domain': domain }, actor(ctx));
    seeOther(ctx, `/admin/google?done=${changed.length ? 'saved' : 'unchanged'}`);
  });

  router.post('/admin/google/oidc-client', admin, formBody, verifyCsrf, async (ctx) => {
    const redirectUri = (body(ctx).redirectUri ?? '').trim();
    const error = redirectUri ? googleRedirectUriError(redirectUri) : { field: 'redirectUri', message: 'googleRedirectUriMissing' };
    if (error) return page(ctx, { form: { redirectUri }, errors: [error], status: 400 });
    const { client, clientSecret, created } = await setup.ensureOidcClient(redirectUri, actor(ctx));
    await page(ctx, { created: created ? { clientId: client.clientId, clientSecret } : null });
  });
}
