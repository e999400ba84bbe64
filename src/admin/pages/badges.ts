import { sendBadgeSheets } from '../../http/badges-download.js';
import type { ConsoleKit } from '../console.js';

/** A school's badge sheets: the form, and the PDF it downloads (GET: it issues only missing badges, audited). */
export function badgesPage({ router, services, admin, render, actor }: ConsoleKit): void {
  router.get('/admin/badges', admin, async (ctx) => {
    const schools = await services.adminDirectory.schools();
    render(ctx, 'home', 'badges', { schools }, 'badges.admin.heading');
  });

  router.get('/admin/badges/download', admin, async (ctx) => {
    const school = typeof ctx.query.school === 'string' ? ctx.query.school : '';
    const selection = await services.badgeSheets.select({ school, locale: ctx.state.locale });
    await sendBadgeSheets(ctx, services.badgeSheets, selection, services.config.print.chromiumPath, actor(ctx).id);
  });
}
