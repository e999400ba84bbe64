import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { formFields } from '../http/middleware/body.js';
import type { PageDeps } from '../http/page-router.js';
import type { Services } from '../services.js';
import type { FieldError } from '../shared/field-error.js';
import { QueryValues } from '../shared/query-values.js';

/** The services the console's pages use. */
export type ConsoleServices = Pick<
  Services,
  | 'config'
  | 'i18n'
  | 'events'
  | 'clients'
  | 'appAdmin'
  | 'samlProviders'
  | 'samlAppAdmin'
  | 'googleWorkspace'
  | 'adminDirectory'
  | 'accountLookup'
  | 'helpLinks'
  | 'policies'
  | 'rosterRuns'
  | 'auditSearch'
  | 'lockouts'
  | 'letters'
  | 'badgeSheets'
>;

/** What a finished action says on the next page (?done=…), translated under admin.notices. */
const NOTICES = ['saved', 'deleted', 'enabled', 'disabled', 'unchanged'];

/**
 * Sections of the console, in the order of its navigation. The readiness dashboard's routes live in
 * src/readiness/routes.ts, behind the same `admin` check, and use `adminNav` for this navigation.
 */
const SECTIONS = ['readiness', 'accounts', 'roster', 'apps', 'google', 'helpLinks', 'policies', 'lockouts', 'audit'] as const;
export type Section = (typeof SECTIONS)[number] | 'home';
const SECTION_PATHS: Record<(typeof SECTIONS)[number], string> = {
  readiness: '/admin/readiness',
  accounts: '/admin/accounts',
  roster: '/admin/roster',
  apps: '/admin/apps',
  google: '/admin/google',
  helpLinks: '/admin/help-links',
  policies: '/admin/policies',
  lockouts: '/admin/lockouts',
  audit: '/admin/audit',
};

/** The console's navigation, for the sections whose routes live in their own module (src/readiness/routes.ts). */
export function adminNav(current: Section): { id: string; href: string; current: boolean }[] {
  return SECTIONS.map((s) => ({ id: s, href: SECTION_PATHS[s], current: s === current }));
}

/** The page of a paged list (?page=N from 1 to 10,000): 1 when absent, a 400 when malformed. */
export function pageNumber(ctx: Context): number {
  const values = new QueryValues(ctx.query);
  const page = values.integer('page', { min: 1, max: 10_000 }, 1);
  values.orThrow();
  return page;
}

/** What every page of the console uses: its router, the admin check, the console's layout and the form helpers. */
export interface ConsoleKit {
  router: Router;
  services: ConsoleServices;
  verifyCsrf: Middleware;
  /** Signed in through the provider with the admin role, checked on every request. */
  admin: Middleware;
  render(ctx: Context, section: Section, view: string, data: Record<string, unknown>, title: string, status?: number): void;
  actor(ctx: Context): { id: string; ip: string | null };
  body(ctx: Context): Record<string, string>;
}

export function consoleKit(router: Router, services: ConsoleServices, { views, csrf }: PageDeps, admin: Middleware): ConsoleKit {
  const actor = (ctx: Context) => ({ id: (ctx.state.account as { id: string }).id, ip: ctx.ip || null });

  function render(ctx: Context, section: Section, view: string, data: Record<string, unknown>, title: string, status = 200): void {
    views.render(
      ctx,
      `admin/${view}`,
      {
        section,
        nav: adminNav(section),
        admin: ctx.state.account,
        errors: [] as FieldError[],
        notice: typeof ctx.query.done === 'string' && NOTICES.includes(ctx.query.done) ? ctx.query.done : null,
        ...data,
      },
      { title, status, private: true },
    );
  }

  return { router, services, verifyCsrf: csrf.verify, admin, render, actor, body: formFields };
}
