import type { Context } from 'koa';
import { ROLES } from '../../accounts/account.js';
import { SAML_SIGNATURE_ALGORITHMS } from '../../config/schema.js';
import { formBody } from '../../http/middleware/body.js';
import { multipartBody, uploadedFile } from '../../http/middleware/multipart.js';
import { seeOther } from '../../http/redirect.js';
import { LOCALES } from '../../i18n/i18n.js';
import { idpEndpoints } from '../../saml/metadata.js';
import { ATTRIBUTES, NAME_ID_FORMATS, NAME_ID_SOURCES, type NameIdSource, type ServiceProvider } from '../../saml/service-providers.js';
import { AppError, notFound } from '../../shared/errors.js';
import type { FieldError } from '../../shared/field-error.js';
import type { ConsoleKit } from '../console.js';
import { MAX_METADATA_BYTES, newSamlAppFormValues, parseSamlAppForm, samlAppFormValues, SIGN_CHOICES } from '../saml-apps.js';

/** The form field of each registry field that has a different name. */
const FORM_FIELDS: Record<string, string> = { acs: 'acsUrls', slo: 'sloUrl', name: 'name_en' };

const SAML_APP_ID = /^[A-Za-z0-9_-]{6,40}$/;

/** SAML apps (service providers): the form (from metadata or fields), changes and removal, beside the OIDC apps. */
export function samlAppsPages({ router, services, verifyCsrf, admin, render, actor, body }: ConsoleKit): void {
  const multipart = multipartBody({ maxFileBytes: MAX_METADATA_BYTES, maxBodyBytes: 2 * MAX_METADATA_BYTES + 256 * 1024 });

  async function findApp(id: string): Promise<ServiceProvider> {
    const provider = SAML_APP_ID.test(id) ? await services.samlProviders.find(id) : null;
    if (!provider) throw notFound('SAML_APP_NOT_FOUND');
    return provider;
  }

  async function formPage(ctx: Context, existing: ServiceProvider | null, form: Record<string, string>, errors: FieldError[], status = 200) {
    render(
      ctx,
      'apps',
      'saml-apps/form',
      {
        app: existing,
        form,
        errors,
        schools: await services.adminDirectory.schools(),
        roles: ROLES,
        locales: LOCALES,
        nameIdSources: NAME_ID_SOURCES.map((source) => ({ source, format: NAME_ID_FORMATS[source] })),
        attributes: ATTRIBUTES,
        signChoices: SIGN_CHOICES,
        algorithms: SAML_SIGNATURE_ALGORITHMS,
        maxMetadataKb: MAX_METADATA_BYTES / 1024,
        idp: { metadata: `${services.config.issuer}/saml/metadata`, ...idpEndpoints(services.config) },
      },
      existing ? 'admin.samlApps.editTitle' : 'admin.samlApps.newTitle',
      status,
    );
  }

  /** The form's metadata: an uploaded file wins over pasted text. */
  function metadataOf(ctx: Context, form: Record<string, string>): { xml: string | null; error: FieldError | null } {
    const file = uploadedFile(ctx, 'metadataFile');
    if (file && (file.data.length || file.truncated)) {
      if (file.truncated) return { xml: null, error: { field: 'metadata', message: 'samlMetadata.tooLarge', params: { max: MAX_METADATA_BYTES / 1024 } } };
      return { xml: file.data.toString('utf8'), error: null };
    }
    return { xml: form.metadata?.trim() ? form.metadata : null, error: null };
  }

  /** The registry's own refusals (checked again when writing) as field errors on the form. */
  function asFieldError(error: unknown): FieldError {
    if (error instanceof AppError && error.code === 'SAML_APP_EXISTS') return { field: 'entityId', message: 'samlAppExists', params: error.params };
    if (error instanceof AppError && error.code === 'INVALID_SAML_APP') {
      const field = String(error.params.field ?? '').split('.')[0];
      return { field: FORM_FIELDS[field] ?? field, message: 'samlInvalid', params: { reason: String(error.params.reason ?? '') } };
    }
    throw error;
  }

  async function readForm(ctx: Context) {
    const form = body(ctx);
    const metadata = metadataOf(ctx, form);
    const schools = new Set((await services.adminDirectory.schools()).map((s) => s.id));
    const parsed = parseSamlAppForm(form, metadata.xml, schools);
    return { form, input: parsed.input, errors: [...(metadata.error ? [metadata.error] : []), ...parsed.errors] };
  }

  router.get('/admin/saml-apps/new', admin, async (ctx) => {
    // The Google Workspace page links here with Google's usual choices filled in.
    const preset = ctx.query.preset === 'google' ? { name: 'Google Workspace', nameIdSource: 'email' as NameIdSource } : {};
    await formPage(ctx, null, newSamlAppFormValues(preset), []);
  });

  router.post('/admin/saml-apps', admin, multipart, verifyCsrf, async (ctx) => {
    const { form, input, errors } = await readForm(ctx);
    if (errors.length || !input) return formPage(ctx, null, form, errors, 400);
    let provider: ServiceProvider;
    try {
      provider = await services.samlAppAdmin.create(input, actor(ctx), 'console');
    } catch (error) {
      return formPage(ctx, null, form, [asFieldError(error)], 400);
    }
    seeOther(ctx, `/admin/saml-apps/${provider.id}?done=saved`);
  });

  router.get('/admin/saml-apps/:id', admin, async (ctx) => {
    const provider = await findApp(ctx.params.id);
    await formPage(ctx, provider, samlAppFormValues(provider), []);
  });

  router.post('/admin/saml-apps/:id', admin, multipart, verifyCsrf, async (ctx) => {
    const existing = await findApp(ctx.params.id);
    const { form, input, errors } = await readForm(ctx);
    if (errors.length || !input) return formPage(ctx, existing, form, errors, 400);
    try {
      await services.samlAppAdmin.update(existing.id, input, actor(ctx));
    } catch (error) {
      return formPage(ctx, existing, form, [asFieldError(error)], 400);
    }
    seeOther(ctx, `/admin/saml-apps/${existing.id}?done=saved`);
  });

  for (const [action, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    router.post(`/admin/saml-apps/:id/${action}`, admin, formBody, verifyCsrf, async (ctx) => {
      const provider = await findApp(ctx.params.id);
      const { changed } = await services.samlAppAdmin.setEnabled(provider.id, enabled, actor(ctx), 'console');
      seeOther(ctx, `/admin/saml-apps/${provider.id}?done=${changed ? action + 'd' : 'unchanged'}`);
    });
  }

  router.get('/admin/saml-apps/:id/delete', admin, async (ctx) => {
    const provider = await findApp(ctx.params.id);
    render(ctx, 'apps', 'saml-apps/delete', { app: provider }, 'admin.samlApps.deleteTitle');
  });

  router.post('/admin/saml-apps/:id/delete', admin, formBody, verifyCsrf, async (ctx) => {
    const provider = await findApp(ctx.params.id);
    await services.samlAppAdmin.remove(provider.id, actor(ctx), 'console');
    seeOther(ctx, '/admin/apps?done=deleted');
  });
}
