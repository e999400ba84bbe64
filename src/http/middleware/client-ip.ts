import type { Middleware } from 'koa';

/** ctx.ip honours X-Forwarded-For only when app.proxy is set from config (server.trustProxy). */
export const clientIp: Middleware = async (ctx, next) => {
  ctx.state.ip = (ctx.ip || ctx.req.socket.remoteAddress || 'unknown').replace(/^::ffff:/, '');
  await next();
};
