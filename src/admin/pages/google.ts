import type { Context } from 'koa';
import { formBody } from '../../http/middleware/body.js';
import type { FieldError } from '../../shared/field-error.js';
import { pageNumber, type ConsoleKit } from '../console.js';
import { googleProfileValues, googleRedirectUriError, readPrimaryDomain } from '../google-workspace.js';

const PAGE_SIZE = 50;

/**
 * Connect Google Workspace: the primary domain in, the values for Google's SAML and custom OIDC profiles out, the
 * OIDC client made on request, and the accounts Google cannot know for want of an email address.
 */
export function googlePages({ router, services, verifyCsrf, admin, render, actor, body }: ConsoleKit): void {
  const setup = services.googleWorkspace;

  async function page(
    ctx: Context,
    domainText: string,
    extra: { form?: Record<string, string>; errors?: FieldError[]; created?: { clientId: string; clientSecret: string | null } | null; status?: number } = {},
  ) {
    const errors = [...(extra.errors ?? [])];
    const domain = domainText ? readPrimaryDomain(domainText) : null;
    if (domainText && !domain) errors.push({ field: 'domain', message: 'googleDomain' });
    const current = pageNumber(ctx);
    const [readiness, client, samlApps] = await Promise.all([
      setup.emailReadiness(domain, { offset: (current - 1) * PAGE_SIZE, limit: PAGE_SIZE }),
      setup.oidcClient(),
      services.samlProviders.list(),
    ]);
    const pages = Math.max(1, Math.ceil(readiness.withoutEmail.total / PAGE_SIZE));
    const query = (n: number) => `/admin/google?${new URLSearchParams({ ...(domain ? { domain } : {}), page: String(n) })}#no-email`;
    render(
      ctx,
      'google',
      'google',
      {
        domain,
        form: { domain: domainText, redirectUri: '', ...extra.form },
        errors,
        values: googleProfileValues(services.config),
        client,
        created: extra.created ?? null,
        googleSamlApps: samlApps.filter((p) => /(^|[./])google\.com([/:]|$)/.test(p.entityId)),
        readiness,
        paging: { current, pages, previous: current > 1 ? query(current - 1) : null, next: current < pages ? query(current + 1) : null },
      },
      'admin.google.title',
      extra.status ?? (errors.length ? 400 : 200),
    );
  }

  router.get('/admin/google', admin, async (ctx) => {
    await page(ctx, typeof ctx.query.domain === 'string' ? ctx.query.domain : '');
  });

  router.post('/admin/google/oidc-client', admin, formBody, verifyCsrf, async (ctx) => {
    const form = body(ctx);
    const redirectUri = (form.redirectUri ?? '').trim();
    const error = redirectUri ? googleRedirectUriError(redirectUri) : { field: 'redirectUri', message: 'googleRedirectUriMissing' };
    if (error) return page(ctx, form.domain ?? '', { form: { redirectUri }, errors: [error], status: 400 });
    const { client, clientSecret, created } = await setup.ensureOidcClient(redirectUri, actor(ctx));
    await page(ctx, form.domain ?? '', { created: created ? { clientId: client.clientId, clientSecret } : null });
  });
}
