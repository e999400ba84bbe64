import type { Context } from 'koa';

/** Post/Redirect/Get: after a form post the browser GETs the next page, so Reload never re-posts. */
export function seeOther(ctx: Context, location: string): void {
  ctx.status = 303;
  ctx.redirect(location);
}
