import type { Context } from 'koa';
import { formatMoment } from '../../i18n/format.js';
import { notFound } from '../../shared/errors.js';
import { QueryValues } from '../../shared/query-values.js';
import { accountQuery, MAX_TERM } from '../accounts.js';
import { pageNumber, type ConsoleKit } from '../console.js';

const PAGE_SIZE = 25;
/** Recent audit events shown on an account's page; the audit log has the rest. */
const EVENTS_SHOWN = 10;
/** Account ids are opaque text the store made (UUIDs); anything else cannot name one. */
const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Finding an account (by username, student number or name) and its page: who it is and what happened to it. */
export function accountsPages({ router, services, admin, render }: ConsoleKit): void {
  const when = (ctx: Context, ms: number | null) =>
    ms === null ? null : { text: formatMoment(ctx.state.locale, ms, services.config.district.timeZone), iso: new Date(ms).toISOString() };

  router.get('/admin/accounts', admin, async (ctx) => {
    const values = new QueryValues(ctx.query);
    const term = values.text('q', MAX_TERM);
    values.orThrow();
    const page = pageNumber(ctx);
    const query = accountQuery(term);
    const found = query ? await services.accountLookup.search(query, page, PAGE_SIZE) : null;
    const href = (n: number) => `/admin/accounts?${new URLSearchParams({ q: term, ...(n > 1 ? { page: String(n) } : {}) })}`;
    render(
      ctx,
      'accounts',
      'accounts/index',
      {
        term,
        page,
        results: found ? [...found.exact, ...found.names] : null,
        previous: found && page > 1 ? href(page - 1) : null,
        next: found?.more ? href(page + 1) : null,
      },
      'admin.accounts.title',
    );
  });

  router.get('/admin/accounts/:id', admin, async (ctx) => {
    const id = ctx.params.id;
    const profile = ACCOUNT_ID.test(id) ? await services.accountLookup.profile(id, services.policies.current().google.domain, EVENTS_SHOWN) : null;
    if (!profile) throw notFound('ACCOUNT_NOT_FOUND');
    const { account } = profile;
    render(
      ctx,
      'accounts',
      'accounts/show',
      {
        person: account,
        google: profile.google,
        googleDomain: services.policies.current().google.domain,
        claimedAt: when(ctx, account.claimedAt),
        claimableAt: account.claimedAt === null && account.claimableAt !== null && account.claimableAt > Date.now() ? when(ctx, account.claimableAt) : null,
        lastLogin: when(ctx, account.lastLoginAt),
        factors: profile.factors.map((f) => ({ ...f, created: when(ctx, f.createdAt), lastUsed: when(ctx, f.lastUsedAt) })),
        recoveryCodes: profile.recoveryCodes,
        events: profile.events.map((e) => ({ ...e, when: when(ctx, e.at) })),
        auditHref: `/admin/audit?${new URLSearchParams({ user: account.username })}`,
      },
      'admin.accounts.accountTitle',
    );
  });
}
