import { formatInstant } from '../audit.js';
import type { ConsoleKit } from '../console.js';

/** Addresses listed per row; the rest are counted. */
const ADDRESSES_SHOWN = 5;

/**
 * Who is being targeted: accounts (and usernames naming none) under failed sign-in or recovery attempts from browsers
 * that never signed in to them, whether they are locked for such browsers, until when, and from which addresses.
 */
export function lockoutsPage({ router, services, admin, render }: ConsoleKit): void {
  router.get('/admin/lockouts', admin, async (ctx) => {
    const timeZone = services.config.district.timeZone;
    const targeted = await services.lockouts.targeted();
    render(
      ctx,
      'lockouts',
      'lockouts',
      {
        rows: targeted.map((row) => ({
          ...row,
          until: formatInstant(row.until, timeZone),
          addresses: row.addresses.slice(0, ADDRESSES_SHOWN),
          moreAddresses: Math.max(0, row.addresses.length - ADDRESSES_SHOWN),
        })),
        timeZone,
      },
      'admin.lockouts.title',
    );
  });
}
