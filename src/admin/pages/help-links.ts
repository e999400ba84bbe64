import type { Context } from 'koa';
import { ROLES } from '../../accounts/account.js';
import { formBody } from '../../http/middleware/body.js';
import { seeOther } from '../../http/redirect.js';
import { LOCALES } from '../../i18n/i18n.js';
import { notFound } from '../../shared/errors.js';
import type { FieldError } from '../../shared/field-error.js';
import type { ConsoleKit } from '../console.js';
import { parseHelpLinkForm } from '../help-links.js';

const LINK_ID = /^[a-z0-9-]{1,64}$/;

/** Help links: the tiles of the portal and the sign-in page. */
export function helpLinksPages({ router, services, verifyCsrf, admin, render, actor, body }: ConsoleKit): void {
  router.get('/admin/help-links', admin, async (ctx) => {
    const links = await services.helpLinks.list();
    const configured = services.helpLinks.configured();
    render(
      ctx,
      'helpLinks',
      'help-links/index',
      {
        links: links.map((l) => ({ ...l, displayTitle: services.i18n.pick(l.title, ctx.state.locale) })),
        fallback: links.length
          ? null
          : configured.length
            ? { kind: 'config', titles: configured.map((l) => services.i18n.pick(l.title, ctx.state.locale)) }
            : { kind: 'builtIn', titles: [] },
      },
      'admin.helpLinks.title',
    );
  });

  const linkForm = (ctx: Context, link: { id: string } | null, form: Record<string, string>, errors: FieldError[], status = 200) =>
    render(ctx, 'helpLinks', 'help-links/form', { link, form, errors, roles: ROLES, locales: LOCALES }, link ? 'admin.helpLinks.editTitle' : 'admin.helpLinks.newTitle', status);

  router.get('/admin/help-links/new', admin, (ctx) => linkForm(ctx, null, { showOnLogin: 'on', position: '0' }, []));

  router.post('/admin/help-links', admin, formBody, verifyCsrf, async (ctx) => {
    const form = body(ctx);
    const { input, errors } = parseHelpLinkForm(form, services.config.issuer);
    if (!input) return linkForm(ctx, null, form, errors, 400);
    await services.helpLinks.create(input, actor(ctx));
    seeOther(ctx, '/admin/help-links?done=saved');
  });

  async function findLink(id: string) {
    const link = LINK_ID.test(id) ? await services.helpLinks.find(id) : null;
    if (!link) throw notFound();
    return link;
  }

  router.get('/admin/help-links/:id', admin, async (ctx) => {
    const link = await findLink(ctx.params.id);
    const form: Record<string, string> = { url: link.url, showOnLogin: link.showOnLogin ? 'on' : '', position: String(link.position) };
    for (const locale of LOCALES) form[`title_${locale}`] = link.title[locale] ?? '';
    for (const role of link.roles ?? []) form[`role_${role}`] = 'on';
    linkForm(ctx, link, form, []);
  });

  router.post('/admin/help-links/:id', admin, formBody, verifyCsrf, async (ctx) => {
    const link = await findLink(ctx.params.id);
    const form = body(ctx);
    const { input, errors } = parseHelpLinkForm(form, services.config.issuer);
    if (!input) return linkForm(ctx, link, form, errors, 400);
    await services.helpLinks.update(link.id, input, actor(ctx));
    seeOther(ctx, '/admin/help-links?done=saved');
  });

  router.get('/admin/help-links/:id/delete', admin, async (ctx) => {
    const link = await findLink(ctx.params.id);
    render(ctx, 'helpLinks', 'help-links/confirm-delete', { link: { ...link, displayTitle: services.i18n.pick(link.title, ctx.state.locale) } }, 'admin.helpLinks.deleteTitle');
  });

  router.post('/admin/help-links/:id/delete', admin, formBody, verifyCsrf, async (ctx) => {
    const link = await findLink(ctx.params.id);
    await services.helpLinks.remove(link.id, actor(ctx));
    seeOther(ctx, '/admin/help-links?done=deleted');
  });
}
