import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import { AppError } from '../../shared/errors.js';
import type { Views } from '../views.js';

function wantsJson(ctx: Context): boolean {
  return ctx.accepts('html', 'json') === 'json' || ctx.path.startsWith('/api/');
}

/**
 * The one place errors become responses: our typed errors keep their status and stable code, in HTML for people and
 * JSON for programs; anything else is a generic 500 and a log line, never a stack trace on screen.
 */
export function errorHandler(views: Views, log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new AppError(404, 'NOT_FOUND', 'errors.notFound');
    } catch (caught) {
      let error: AppError;
      if (caught instanceof AppError) error = caught;
      else if (typeof (caught as any)?.status === 'number' && (caught as any).status < 500 && (caught as any).expose) {
        const status = (caught as any).status as number;
        error = new AppError(status, status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', status === 404 ? 'errors.notFound' : 'errors.badRequest');
      } else {
        log.error({ err: caught, path: ctx.path, method: ctx.method }, 'unhandled error');
        error = new AppError(500, 'INTERNAL', 'errors.internal', {}, false);
      }
      const t = ctx.state.t as ((id: string, params?: Record<string, unknown>) => string) | undefined;
      const message = t ? t(error.messageId, error.params) : error.code;
      if (error.status === 429 && error.params.retryAfter) ctx.set('Retry-After', String(error.params.retryAfter));
      if (!t || wantsJson(ctx)) {
        ctx.status = error.status;
        ctx.body = { error: error.code, message };
        return;
      }
      views.render(ctx, 'error', { message, code: error.code, status: error.status }, {
        title: error.status === 429 ? 'errors.tooManyAttemptsTitle' : 'errors.title',
        status: error.status,
        private: true,
      });
    }
  };
}
