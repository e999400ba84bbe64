import { Readable } from 'node:stream';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { BUILT_IN_QUESTIONS, type QuestionConfig } from '../accounts/challenge-questions.js';
import { ROLES } from '../accounts/account.js';
import { formBody } from '../http/middleware/body.js';
import { multipartBody, uploadedFile } from '../http/middleware/multipart.js';
import { seeOther } from '../http/redirect.js';
import { requireSignedIn } from '../http/signed-in.js';
import type { Views } from '../http/views.js';
import { LOCALES, type Translate } from '../i18n/i18n.js';
import { CLIENT_SCOPES, launchUrlOf, type ClientRecord } from '../oidc/clients.js';
import type { BuiltInRelyingParty } from '../rp/relying-party.js';
import type { RowIssue } from '../roster/issues.js';
import type { Services } from '../services.js';
import { AppError, notFound } from '../shared/errors.js';
import { AppAdmin, appFormValues, iconUrl, isBuiltIn, MAX_ICON_BYTES, parseAppForm, readIcon } from './apps.js';
import { auditCsv, formatInstant, parseAuditFilter } from './audit.js';
import { parseHelpLinkForm } from './help-links.js';
import { ACCOUNT_OUTCOMES, ENTITY_OUTCOMES, issueText, runDetail, runRow } from './roster-runs.js';
import type { FieldError } from '../shared/field-error.js';
import { parsePolicyForm, policyFormValues, THROTTLE_FIELDS } from './policy-form.js';

const PAGE_SIZE = 50;
const RUNS_PAGE_SIZE = 20;
const RUN_ID = /^[0-9a-f-]{36}$/;
const CLIENT_ID = /^[A-Za-z0-9._-]{3,100}$/;
const LINK_ID = /^[a-z0-9-]{1,64}$/;

/** What a finished action says on the next page (?done=…), translated under admin.notices. */
const NOTICES = ['saved', 'deleted', 'enabled', 'disabled', 'unchanged'];

/**
 * Sections of the console, in the order of its navigation. The readiness dashboard's routes live in
 * src/readiness/routes.ts, behind the same `admin` check, and use `adminNav` for this navigation.
 */
const SECTIONS = ['readiness', 'roster', 'apps', 'helpLinks', 'policies', 'audit'] as const;
type Section = (typeof SECTIONS)[number] | 'home';
const SECTION_PATHS: Record<(typeof SECTIONS)[number], string> = {
  readiness: '/admin/readiness',
  roster: '/admin/roster',
  apps: '/admin/apps',
  helpLinks: '/admin/help-links',
  policies: '/admin/policies',
  audit: '/admin/audit',
};

/** The console's navigation, for the sections whose routes live in their own module (src/readiness/routes.ts). */
export function adminNav(current: Section): { id: string; href: string; current: boolean }[] {
  return SECTIONS.map((s) => ({ id: s, href: SECTION_PATHS[s], current: s === current }));
}

/** The page of a paged list (?page=N): 1 when absent or not a number, at most 10,000. */
function pageNumber(ctx: Context): number {
  return Math.min(10_000, Math.max(1, Number.parseInt(String(ctx.query.page ?? '1'), 10) || 1));
}

function timeZoneOf(services: Services): string {
  return (services.config as { district: { timeZone?: string } }).district.timeZone ?? 'UTC';
}

/** Icons are public (the portal's tiles show them): images only, cached, and never able to run script. */
export function appIconRoutes(services: Services): Router {
  const router = new Router();
  router.get('/apps/:id/icon', async (ctx) => {
    if (!CLIENT_ID.test(ctx.params.id)) throw notFound();
    const icon = await services.clients.icon(ctx.params.id);
    if (!icon) throw notFound();
    ctx.set('Content-Security-Policy', "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox");
    ctx.set('Cache-Control', ctx.query.v === icon.etag ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
    ctx.set('Content-Disposition', 'inline; filename="icon"');
    ctx.etag = icon.etag;
    ctx.type = icon.contentType;
    ctx.status = 200;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.body = icon.data;
  });
  return router;
}

/**
 * The admin console at /admin. Every route, GET and POST alike, first checks that the person signed in through the
 * provider (sharing the portal's session) and holds the admin role; anyone else gets 403.
 */
export function adminRoutes(services: Services, views: Views, portal: BuiltInRelyingParty, verifyCsrf: Middleware): Router {
  const router = new Router();
  const admin = requireSignedIn(services, portal, ['admin']);
  const multipart = multipartBody({ maxFileBytes: MAX_ICON_BYTES, maxBodyBytes: 2 * 1024 * 1024 });
  const apps = new AppAdmin(services.clients, services.events);
  const actor = (ctx: Context) => ({ id: (ctx.state.account as { id: string }).id, ip: ctx.ip || null });
  const body = (ctx: Context) => ((ctx.request as any).body ?? {}) as Record<string, string>;

  function render(ctx: Context, section: Section, view: string, data: Record<string, unknown>, title: string, status = 200): void {
    views.render(
      ctx,
      `admin/${view}`,
      {
        section,
        nav: SECTIONS.map((s) => ({ id: s, href: SECTION_PATHS[s], current: s === section })),
        admin: ctx.state.account,
        errors: [] as FieldError[],
        notice: typeof ctx.query.done === 'string' && NOTICES.includes(ctx.query.done) ? ctx.query.done : null,
        ...data,
      },
      { title, status, private: true },
    );
  }

  async function findApp(id: string): Promise<ClientRecord> {
    const client = CLIENT_ID.test(id) ? await services.clients.find(id) : null;
    if (!client) throw notFound('CLIENT_NOT_FOUND');
    return client;
  }

  // Home: what each section is for.
  router.get('/admin', admin, async (ctx) => {
    const counts = await services.adminDirectory.counts();
    render(ctx, 'home', 'home', { counts }, 'admin.home.title');
  });

  // ---- Apps and OIDC clients -------------------------------------------------------------------------------------

  router.get('/admin/apps', admin, async (ctx) => {
    const list = await services.clients.list();
    render(ctx, 'apps', 'apps/index', {
      apps: list.map((c) => ({ ...c, builtIn: isBuiltIn(c.clientId), displayName: services.i18n.pick(Object.keys(c.names).length ? c.names : { en: c.name }, ctx.state.locale), icon: iconUrl(c) })),
    }, 'admin.apps.title');
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
    const icon = readIcon(iconFile(ctx), false);
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
    const icon = readIcon(iconFile(ctx), form.removeIcon === 'on');
    const errors = [...parsed.errors, ...(icon.error ? [icon.error] : [])];
    if (errors.length || !parsed.input) return appFormPage(ctx, existing, form, errors, 400);
    const { public: _type, ...input } = parsed.input;
    await apps.update(existing.clientId, input, icon.change, actor(ctx));
    seeOther(ctx, `/admin/apps/${encodeURIComponent(existing.clientId)}?done=saved`);
  });

  for (const [action, enabled] of [['enable', true], ['disable', false]] as const) {
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

  // ---- Help links ------------------------------------------------------------------------------------------------

  router.get('/admin/help-links', admin, async (ctx) => {
    const links = await services.helpLinks.list();
    const configured = services.helpLinks.configured();
    render(ctx, 'helpLinks', 'help-links/index', {
      links: links.map((l) => ({ ...l, displayTitle: services.i18n.pick(l.title, ctx.state.locale) })),
      fallback: links.length
        ? null
        : configured.length
          ? { kind: 'config', titles: configured.map((l) => services.i18n.pick(l.title, ctx.state.locale)) }
          : { kind: 'builtIn', titles: [] },
    }, 'admin.helpLinks.title');
  });

  const linkForm = (ctx: Context, link: { id: string } | null, form: Record<string, string>, errors: FieldError[], status = 200) =>
    render(ctx, 'helpLinks', 'help-links/form', { link, form, errors, roles: ROLES, locales: LOCALES }, link ? 'admin.helpLinks.editTitle' : 'admin.helpLinks.newTitle', status);

  router.get('/admin/help-links/new', admin, (ctx) => linkForm(ctx, null, { showOnLogin: 'on', position: '0' }, []));

  router.post('/admin/help-links', admin, formBody, verifyCsrf, async (ctx) => {
    const form = body(ctx);
    const { input, errors } = parseHelpLinkForm(form);
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
    const { input, errors } = parseHelpLinkForm(form);
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

  // ---- Policies --------------------------------------------------------------------------------------------------

  async function policiesPage(ctx: Context, form: Record<string, string>, errors: FieldError[], status = 200) {
    const values = services.policies.snapshot();
    const custom = values['claim.questions'].filter((q): q is Exclude<QuestionConfig, string> => typeof q !== 'string');
    const inUse = await services.adminDirectory.questionsInUse(custom.map((q) => q.id));
    render(
      ctx,
      'policies',
      'policies',
      {
        form,
        errors,
        builtInQuestions: BUILT_IN_QUESTIONS,
        customQuestions: custom.map((q) => ({ ...q, inUse: inUse.has(q.id) })),
        throttles: THROTTLE_FIELDS.map(([key, field]) => ({ key, field })),
        hasClaimDelay: services.policies.hasClaimDelay(),
        maxPasswordLength: services.config.passwords.maxLength,
      },
      'admin.policies.title',
      status,
    );
  }

  router.get('/admin/policies', admin, async (ctx) => {
    await policiesPage(ctx, policyFormValues(services.policies.snapshot()), []);
  });

  router.post('/admin/policies', admin, formBody, verifyCsrf, async (ctx) => {
    await services.policies.refresh();
    const current = services.policies.snapshot();
    const custom = current['claim.questions'].filter((q): q is Exclude<QuestionConfig, string> => typeof q !== 'string');
    const form = body(ctx);
    const { values, errors } = parsePolicyForm(form, {
      current,
      hasClaimDelay: services.policies.hasClaimDelay(),
      questionsInUse: await services.adminDirectory.questionsInUse(custom.map((q) => q.id)),
      maxPasswordLength: services.config.passwords.maxLength,
    });
    if (errors.length) return policiesPage(ctx, form, errors, 400);
    const changed = await services.policies.save(values, actor(ctx));
    seeOther(ctx, `/admin/policies?done=${changed.length ? 'saved' : 'unchanged'}`);
  });

  // ---- Roster imports --------------------------------------------------------------------------------------------

  const numbers = (ctx: Context) => {
    const format = new Intl.NumberFormat(ctx.state.locale as string);
    return (n: number) => format.format(n);
  };

  router.get('/admin/roster', admin, async (ctx) => {
    const timeZone = timeZoneOf(services);
    const page = pageNumber(ctx);
    const runs = await services.rosterRuns.list({ offset: (page - 1) * RUNS_PAGE_SIZE, limit: RUNS_PAGE_SIZE + 1 });
    // The first page leads with the newest run and, when that one changed nothing, the import the roster comes from.
    const latest = page === 1 && runs.length ? runDetail(runs[0], timeZone) : null;
    const applied = latest && latest.status !== 'applied' ? await services.rosterRuns.lastApplied() : null;
    const { watchDir, watchInterval } = services.config.roster;
    render(
      ctx,
      'roster',
      'roster/index',
      {
        latest,
        lastApplied: applied ? runRow(applied, timeZone) : null,
        runs: runs.slice(0, RUNS_PAGE_SIZE).map((r) => runRow(r, timeZone)),
        page,
        previous: page > 1 ? `/admin/roster${page > 2 ? `?page=${page - 1}` : ''}` : null,
        next: runs.length > RUNS_PAGE_SIZE ? `/admin/roster?page=${page + 1}` : null,
        watch: watchDir ? { dir: watchDir, seconds: watchInterval } : null,
        accountOutcomes: ACCOUNT_OUTCOMES,
        timeZone,
        num: numbers(ctx),
      },
      'admin.roster.title',
    );
  });

  router.get('/admin/roster/runs/:id', admin, async (ctx) => {
    const run = RUN_ID.test(ctx.params.id) ? await services.rosterRuns.find(ctx.params.id) : null;
    if (!run) throw notFound();
    const timeZone = timeZoneOf(services);
    render(
      ctx,
      'roster',
      'roster/run',
      {
        run: runDetail(run, timeZone),
        accountOutcomes: ACCOUNT_OUTCOMES,
        entityOutcomes: ENTITY_OUTCOMES,
        timeZone,
        num: numbers(ctx),
        issueText: (issue: RowIssue) => issueText(ctx.state.t as Translate, issue),
      },
      'admin.roster.runTitle',
    );
  });

  // ---- Audit log -------------------------------------------------------------------------------------------------

  router.get('/admin/audit', admin, async (ctx) => {
    const timeZone = timeZoneOf(services);
    const { form, query, errors } = parseAuditFilter(ctx.query, timeZone);
    const page = pageNumber(ctx);
    const rows = errors.length ? [] : await services.auditSearch.search(query, { offset: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE + 1 });
    const params = new URLSearchParams(Object.entries(form).filter(([, v]) => v));
    const pageHref = (n: number) => {
      const p = new URLSearchParams(params);
      if (n > 1) p.set('page', String(n));
      const text = p.toString();
      return `/admin/audit${text ? `?${text}` : ''}`;
    };
    render(
      ctx,
      'audit',
      'audit',
      {
        form,
        errors,
        types: await services.auditSearch.types(),
        rows: rows.slice(0, PAGE_SIZE).map((r) => ({ ...r, when: formatInstant(r.at, timeZone), iso: new Date(r.at).toISOString(), details: Object.keys(r.data).length ? JSON.stringify(r.data) : '' })),
        page,
        previous: page > 1 ? pageHref(page - 1) : null,
        next: rows.length > PAGE_SIZE ? pageHref(page + 1) : null,
        csvHref: `/admin/audit.csv${params.toString() ? `?${params}` : ''}`,
        timeZone,
      },
      'admin.audit.title',
      errors.length ? 400 : 200,
    );
  });

  router.get('/admin/audit.csv', admin, async (ctx) => {
    const timeZone = timeZoneOf(services);
    const { query, errors } = parseAuditFilter(ctx.query, timeZone);
    if (errors.length) throw new AppError(400, 'BAD_FILTER', `admin.errors.${errors[0].message}`);
    await services.events.emit({ type: 'audit.exported', actorId: actor(ctx).id, ip: ctx.ip || null, data: { filter: { ...query } } });
    ctx.set('Content-Disposition', `attachment; filename="homeroom-audit-${new Date().toISOString().slice(0, 10)}.csv"`);
    ctx.type = 'text/csv; charset=utf-8';
    ctx.body = Readable.from(auditCsv(services.auditSearch.stream(query), timeZone));
  });

  return router;
}

/**
 * Keeps this process's copy of the console's settings (policies, help links) fresh: re-read from the database when
 * older than 15 seconds, so a change saved through another process applies here within that time.
 */
export function liveSettings(services: Services): Middleware {
  return async (ctx, next) => {
    await Promise.all([services.policies.refreshIfStale(), services.helpLinks.refreshIfStale()]).catch((error) =>
      services.log.warn({ err: error }, 'could not refresh the admin settings'),
    );
    await next();
  };
}
