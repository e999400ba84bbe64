import type { Context } from 'koa';
import type { Views } from './views.js';

/**
 * The page a young student sees when their badge or picture sign-in reaches an app the district keeps for password
 * sign-ins: what happened, in words a child can follow, and the way back to their apps (403).
 */
export function renderYoungAppRefused(views: Views, ctx: Context, appName: string): void {
  views.render(ctx, 'badges/young-app', { appName }, { title: 'badges.restricted.title', status: 403, private: true });
}
