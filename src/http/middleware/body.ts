import type { Middleware, Request } from 'koa';
import { AppError } from '../../shared/errors.js';
import { refuseNulInFields } from './nul-bytes.js';

declare module 'koa' {
  interface Request {
    /** The posted form's fields, last value wins (formBody, multipartBody). */
    body?: Record<string, string>;
    /** Every value of every field, in order (formBody). */
    formParams?: URLSearchParams;
  }
}

const LIMIT = 64 * 1024;

/**
 * Parses url-encoded form posts for our own routes only (oidc-provider parses its own endpoints' bodies).
 * Repeated fields keep the last value; an oversized or malformed body (or one holding U+0000) is a 4xx, never a 500.
 */
export const formBodyUpTo =
  (limit: number): Middleware =>
  async (ctx, next) => {
    if (ctx.method !== 'POST') return next();
    if (!ctx.is('application/x-www-form-urlencoded')) {
      throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'errors.badForm');
    }
    const declared = Number(ctx.get('content-length') || 0);
    if (declared > limit) throw new AppError(413, 'BODY_TOO_LARGE', 'errors.badForm');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of ctx.req) {
      size += (chunk as Buffer).length;
      if (size > limit) throw new AppError(413, 'BODY_TOO_LARGE', 'errors.badForm');
      chunks.push(chunk as Buffer);
    }
    const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    refuseNulInFields(params);
    const body: Record<string, string> = {};
    for (const [key, value] of params) body[key] = value;
    ctx.request.body = body;
    ctx.request.formParams = params;
    await next();
  };

/** Our own forms; apps' SAML messages may be larger (formBodyUpTo). */
export const formBody: Middleware = formBodyUpTo(LIMIT);

/** The posted form's fields (empty before a body parser ran). */
export function formFields(ctx: { request: Request }): Record<string, string> {
  return ctx.request.body ?? {};
}

export function formField(ctx: { request: Request }, name: string): string {
  return formFields(ctx)[name] ?? '';
}

/** Every value of a repeated field (checkboxes), in order. */
export function formValues(ctx: { request: Request }, name: string): string[] {
  return ctx.request.formParams?.getAll(name) ?? [];
}
