import busboy from 'busboy';
import type { Middleware } from 'koa';
import { AppError } from '../../shared/errors.js';

export interface MultipartFile {
  field: string;
  filename: string;
  data: Buffer;
  /** True when the file was larger than `maxFileBytes` (only that much was kept). */
  truncated: boolean;
}

export interface MultipartOptions {
  /** Largest file kept whole; a bigger one is cut there and marked truncated (the form then says it is too large). */
  maxFileBytes: number;
  /** Largest request accepted at all; beyond it the request is refused with 413. */
  maxBodyBytes: number;
}

/**
 * Parses multipart/form-data posts (forms with a file) into `ctx.request.body` (fields, last value wins, as
 * formBody does) and `ctx.state.files`. An oversized file is not an error here: the route reports it on the form.
 */
export function multipartBody(options: MultipartOptions): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'POST') return next();
    if (!ctx.is('multipart/form-data')) throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'errors.badForm');
    const declared = Number(ctx.get('content-length') || 0);
    if (declared > options.maxBodyBytes) throw new AppError(413, 'BODY_TOO_LARGE', 'errors.badForm');

    const fields: Record<string, string> = {};
    const files: MultipartFile[] = [];
    await new Promise<void>((resolve, reject) => {
      let parser: busboy.Busboy;
      try {
        parser = busboy({
          headers: ctx.req.headers,
          limits: { fileSize: options.maxFileBytes, files: 2, fields: 200, fieldSize: 64 * 1024, parts: 210 },
        });
      } catch {
        reject(new AppError(400, 'BAD_FORM', 'errors.badForm'));
        return;
      }
      let size = 0;
      ctx.req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBodyBytes) {
          ctx.req.unpipe(parser);
          ctx.req.resume();
          reject(new AppError(413, 'BODY_TOO_LARGE', 'errors.badForm'));
        }
      });
      parser.on('field', (name, value) => {
        fields[name] = value;
      });
      parser.on('file', (field, stream, info) => {
        const chunks: Buffer[] = [];
        const file: MultipartFile = { field, filename: info.filename ?? '', data: Buffer.alloc(0), truncated: false };
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('limit', () => {
          file.truncated = true;
        });
        stream.on('end', () => {
          file.data = Buffer.concat(chunks);
          files.push(file);
        });
      });
      parser.on('error', () => reject(new AppError(400, 'BAD_FORM', 'errors.badForm')));
      parser.on('close', () => resolve());
      ctx.req.pipe(parser);
    });
    ctx.request.body = fields;
    ctx.state.files = files;
    await next();
  };
}

export function uploadedFile(ctx: { state: Record<string, unknown> }, field: string): MultipartFile | null {
  return ((ctx.state.files ?? []) as MultipartFile[]).find((f) => f.field === field) ?? null;
}
