import type { Context } from 'koa';
import { ROLES } from '../../accounts/account.js';
import { formBody } from '../../http/middleware/body.js';
import { multipartBody, uploadedFile } from '../../http/middleware/multipart.js';
import { seeOther } from '../../http/redirect.js';
import { LOCALES } from '../../i18n/i18n.js';
import { CLIENT_SCOPES, launchUrlOf, type ClientRecord } from '../../oidc/clients.js';
import { AppError, notFound } from '../../shared/errors.js';
import type { FieldError } from '../../shared/field-error.js';
import { appFormValues, CLIENT_ID, iconUrl, isBuiltIn, MAX_ICON_BYTES, parseAppForm, readIcon } from '../apps.js';
import type { ConsoleKit } from '../console.js';

/** Apps and OIDC clients: the list, the form (with the icon), enabling, secret rotation and removal. */
export function appsPages({ router, services, verifyCsrf, admin, render, actor, body }: ConsoleKit): void {
  const multipart = multipartBody({ maxFileBytes: MAX_ICON_BYTES, maxBodyBytes: 2 * 1024 * 1024 });
  const apps = services.appAdmin;

  async function findApp(id: string): Promise<ClientRecord> {
    const client = CLIENT_ID.test(id) ? await services.clients.find(id) : null;
    if (!client) throw notFound('CLIENT_NOT_FOUND');
    return client;
  }

  router.get('/admin/apps', admin, async (ctx) => {
    const [list, samlApps] = await Promise.all([services.clients.list(), services.samlProviders.list()]);
    const displayName = (app: { name: string; names: Record<string, string> }) =>
      services.i18n.pick(Object.keys(app.names).length ? app.names : { en: app.name }, ctx.state.locale);
    render(
      ctx,
      'apps',
      'apps/index',
      {
        apps: list.map((c) => ({ ...c, builtIn: isBuiltIn(c.clientId), displayName: displayName(c), icon: iconUrl(c) })),
        samlApps: samlApps.map((p) => ({ ...p, displayName: displayName(p), signedRequests: Boolean(p.certificate) })),
      },
      'admin.apps.title',
    );
  });

  async function appFormPage(ctx: Context, existing: ClientRecord | null, form: Record<string, string>, errors: FieldError[], status = 200) {
    const schools = await services.adminDirectory.schools();
    render(
      ctx,
      'apps',
      'apps/form',
      {
        app: existing ? { ...existing, builtIn: isBuiltIn(existing.clientId), icon: iconUrl(existing), launch: existing.redirectUris.length ? launchUrlOf(existing) : null } : null,
        form,
        errors,
        schools,
        roles: ROLES,
        scopes: CLIENT_SCOPES.filter((s) => s !== 'openid'),
        locales: LOCALES,
        maxIconKb: MAX_ICON_BYTES / 1024,
      },
      existing ? 'admin.apps.editTitle' : 'admin.apps.newTitle',
      status,
    );
  }

  router.get('/admin/apps/new', admin, async (ctx) => {
    await appFormPage(ctx, null, { clientType: 'confidential', scope_profile: 'on', scope_roles: 'on', portal: 'on', firstParty: 'on' }, []);
  });

  router.post('/admin/apps', admin, multipart, verifyCsrf, async (ctx) => {
    const form = body(ctx);
    const schools = new Set((await services.adminDirectory.schools()).map((s) => s.id));
    const parsed = parseAppForm(form, { existing: null, knownSchools: schools });
    const icon = await readIcon(iconFile(ctx), false);
    const errors = [...parsed.errors, ...(icon.error ? [icon.error] : [])];
    if (errors.length || !parsed.input) return appFormPage(ctx, null, form, errors, 400);
    const { client, clientSecret } = await apps.create(parsed.input, icon.change, actor(ctx));
    render(ctx, 'apps', 'apps/secret', { app: client, clientSecret, created: true, issuer: services.config.issuer }, 'admin.apps.createdTitle');
  });

  function iconFile(ctx: Context) {
    const file = uploadedFile(ctx, 'icon');
    return file ? { filename: file.filename, data: file.data, truncated: file.truncated } : null;
  }

  router.get('/admin/apps/:id', admin, async (ctx) => {
    const client = await findApp(ctx.params.id);
    await appFormPage(ctx, client, appFormValues(client), []);
  });

  router.post('/admin/apps/:id', admin, multipart, verifyCsrf, async (ctx) => {
    const existing = await findApp(ctx.params.id);
    const form = body(ctx);
    const schools = new Set((await services.adminDirectory.schools()).map((s) => s.id));
    const parsed = parseAppForm(form, { existing, knownSchools: schools });
    const icon = await readIcon(iconFile(ctx), form.removeIcon === 'on');
    const errors = [...parsed.errors, ...(icon.error ? [icon.error] : [])];
    if (errors.length || !parsed.input) return appFormPage(ctx, existing, form, errors, 400);
    const { public: _type, ...input } = parsed.input;
    await apps.update(existing.clientId, input, icon.change, actor(ctx));
    seeOther(ctx, `/admin/apps/${encodeURIComponent(existing.clientId)}?done=saved`);
  });

  for (const [action, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    router.post(`/admin/apps/:id/${action}`, admin, formBody, verifyCsrf, async (ctx) => {
      const client = await findApp(ctx.params.id);
      await apps.setEnabled(client.clientId, enabled, actor(ctx));
      seeOther(ctx, `/admin/apps/${encodeURIComponent(client.clientId)}?done=${enabled ? 'enabled' : 'disabled'}`);
    });
  }

  router.get('/admin/apps/:id/rotate-secret', admin, async (ctx) => {
    const client = await findApp(ctx.params.id);
    if (isBuiltIn(client.clientId) || client.public) throw new AppError(409, 'NO_SECRET_TO_ROTATE', 'admin.apps.errors.noRotate');
    render(ctx, 'apps', 'apps/confirm', { app: client, action: 'rotate' }, 'admin.apps.rotateTitle');
  });

  router.post('/admin/apps/:id/rotate-secret', admin, formBody, verifyCsrf, async (ctx) => {
    const client = await findApp(ctx.params.id);
    if (client.public) throw new AppError(409, 'NO_SECRET_TO_ROTATE', 'admin.apps.errors.noRotate');
    const clientSecret = await apps.rotateSecret(client.clientId, actor(ctx));
    render(ctx, 'apps', 'apps/secret', { app: client, clientSecret, created: false, issuer: services.config.issuer }, 'admin.apps.rotatedTitle');
  });

  router.get('/admin/apps/:id/delete', admin, async (ctx) => {
    const client = await findApp(ctx.params.id);
    if (isBuiltIn(client.clientId)) throw new AppError(409, 'BUILT_IN_CLIENT', 'admin.apps.errors.builtIn');
    render(ctx, 'apps', 'apps/confirm', { app: client, action: 'delete' }, 'admin.apps.deleteTitle');
  });

  router.post('/admin/apps/:id/delete', admin, formBody, verifyCsrf, async (ctx) => {
    const client = await findApp(ctx.params.id);
    await apps.remove(client.clientId, actor(ctx));
    seeOther(ctx, '/admin/apps?done=deleted');
  });
}
