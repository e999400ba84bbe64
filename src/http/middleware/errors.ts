import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import { AppError, serviceUnavailable } from '../../shared/errors.js';
import { isDatabaseUnavailable } from '../../store/unavailable.js';
import type { Views } from '../views.js';

/** What a 503 asks clients to wait: about the time a database restart or failover takes. */
const RETRY_AFTER_SECONDS = 5;

const UNAVAILABLE = 'databaseUnavailable';

/**
 * For errors that oidc-provider answers itself (its endpoints catch their own): the error handler below then
 * replaces the provider's 500 with the same 503 as ours.
 */
export function noteDatabaseUnavailable(ctx: { state: Record<string, unknown> }, error: unknown): boolean {
  if (!isDatabaseUnavailable(error)) return false;
  ctx.state[UNAVAILABLE] = true;
  return true;
}

/** An error Koa or a library threw for a bad request (koa-body's 413, a router's 405), safe to answer as such. */
function isClientHttpError(error: unknown): error is { status: number } {
  const { status, expose } = (error ?? {}) as { status?: unknown; expose?: unknown };
  return typeof status === 'number' && status < 500 && Boolean(expose);
}

function wantsJson(ctx: Context): boolean {
  return ctx.accepts('html', 'json') === 'json' || ctx.path.startsWith('/api/');
}

/**
 * The one place errors become responses: our typed errors keep their status and stable code, in HTML for people and
 * JSON for programs; a database that cannot be reached is a 503 with Retry-After (the request can be sent again once
 * it is back, and nothing was half-written: each change is one transaction); anything else is a generic 500 and a log
 * line, never a stack trace on screen.
 */
export function errorHandler(views: Views, log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.state[UNAVAILABLE]) throw serviceUnavailable(RETRY_AFTER_SECONDS);
      if (ctx.status === 404 && ctx.body === undefined) throw new AppError(404, 'NOT_FOUND', 'errors.notFound');
    } catch (caught) {
      let error: AppError;
      if (caught instanceof AppError) error = caught;
      else if (isDatabaseUnavailable(caught)) {
        const { code, message } = caught as { code?: string; message?: string };
        log.warn({ err: { code, message }, path: ctx.path, method: ctx.method }, 'database unavailable');
        error = serviceUnavailable(RETRY_AFTER_SECONDS);
      } else if (isClientHttpError(caught)) {
        const status = caught.status;
        error = new AppError(status, status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', status === 404 ? 'errors.notFound' : 'errors.badRequest');
      } else {
        log.error({ err: caught, path: ctx.path, method: ctx.method }, 'unhandled error');
        error = new AppError(500, 'INTERNAL', 'errors.internal', {}, false);
      }
      const t = ctx.state.t as ((id: string, params?: Record<string, unknown>) => string) | undefined;
      const message = t ? t(error.messageId, error.params) : error.code;
      if ((error.status === 429 || error.status === 503) && error.params.retryAfter) ctx.set('Retry-After', String(error.params.retryAfter));
      if (!t || wantsJson(ctx)) {
        ctx.status = error.status;
        ctx.body = { error: error.code, message };
        return;
      }
      views.render(
        ctx,
        'error',
        { message, code: error.code, status: error.status },
        {
          title: error.status === 429 ? 'errors.tooManyAttemptsTitle' : error.status === 503 ? 'errors.unavailableTitle' : 'errors.title',
          status: error.status,
          private: true,
        },
      );
    }
  };
}
