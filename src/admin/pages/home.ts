import type { ConsoleKit } from '../console.js';

/** The console's home: what each section is for. */
export function homePage({ router, services, admin, render }: ConsoleKit): void {
  router.get('/admin', admin, async (ctx) => {
    const counts = await services.adminDirectory.counts();
    render(ctx, 'home', 'home', { counts }, 'admin.home.title');
  });
}
