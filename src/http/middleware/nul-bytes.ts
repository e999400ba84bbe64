import type { Middleware } from 'koa';
import { AppError } from '../../shared/errors.js';

/**
 * U+0000 belongs in no name, id, answer or search, and PostgreSQL refuses it in text: left in, it turns into a 500
 * deep inside a handler, on one database and not the other. Requests carrying one are refused at the edge: here for
 * the path and the query (encoded or not), and where bodies are parsed (formBody, multipartBody) for forms.
 */
export const refuseNulInAddress: Middleware = async (ctx, next) => {
  if (/%00|\0/.test(ctx.url)) throw new AppError(400, 'NUL_CHARACTER', 'errors.badRequest');
  await next();
};

/** Throws the form's 400 when a posted field's name or value holds U+0000. */
export function refuseNulInFields(fields: Iterable<[string, string]>): void {
  for (const [name, value] of fields) {
    if (name.includes('\0') || value.includes('\0')) throw new AppError(400, 'NUL_CHARACTER', 'errors.badForm');
  }
}
