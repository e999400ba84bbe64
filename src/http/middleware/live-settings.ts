import type { Middleware } from 'koa';
import type { Services } from '../../services.js';

/**
 * Keeps this process's copy of the console's settings (policies, help links) fresh: re-read from the database when
 * older than 15 seconds, so a change saved through another process applies here within that time.
 */
export function liveSettings(services: Pick<Services, 'policies' | 'helpLinks' | 'log'>): Middleware {
  return async (ctx, next) => {
    await Promise.all([services.policies.refreshIfStale(), services.helpLinks.refreshIfStale()]).catch((error) =>
      services.log.warn({ err: error }, 'could not refresh the admin settings'),
    );
    await next();
  };
}
