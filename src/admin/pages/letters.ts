import { letterLanguage, sendLetters } from '../../http/letters-download.js';
import type { ConsoleKit } from '../console.js';

/** A school's letters to families: the form, and the PDF it downloads (GET: it changes nothing, and is audited). */
export function lettersPage({ router, services, admin, render, actor }: ConsoleKit): void {
  router.get('/admin/letters', admin, async (ctx) => {
    const schools = await services.adminDirectory.schools();
    render(ctx, 'home', 'letters', { schools, languages: services.i18n.locales }, 'letters.admin.heading');
  });

  router.get('/admin/letters/download', admin, async (ctx) => {
    const school = typeof ctx.query.school === 'string' ? ctx.query.school : '';
    const selection = await services.letters.select({ school, lang: letterLanguage(ctx) });
    await sendLetters(ctx, services.letters, selection, services.config.print.chromiumPath, actor(ctx).id);
  });
}
