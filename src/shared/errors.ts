/**
 * Errors the application raises on purpose. `code` is stable (clients and tests match on it); `messageId` is the
 * i18n id shown to people; `expose` says whether the message may be shown as is.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly messageId: string,
    readonly params: Record<string, string | number> = {},
    readonly expose = true,
  ) {
    super(code);
    this.name = 'AppError';
  }
}

export const badRequest = (code: string, messageId: string, params?: Record<string, string | number>) => new AppError(400, code, messageId, params);
export const forbidden = (code = 'FORBIDDEN', messageId = 'errors.forbidden') => new AppError(403, code, messageId);
export const notFound = (code = 'NOT_FOUND', messageId = 'errors.notFound') => new AppError(404, code, messageId);
export const tooManyRequests = (retryAfterSeconds: number) =>
  new AppError(429, 'TOO_MANY_ATTEMPTS', 'errors.tooManyAttempts', { count: Math.max(1, Math.ceil(retryAfterSeconds / 60)), retryAfter: retryAfterSeconds });
export const serviceUnavailable = (retryAfterSeconds: number) => new AppError(503, 'SERVICE_UNAVAILABLE', 'errors.unavailable', { retryAfter: retryAfterSeconds });
