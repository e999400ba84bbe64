import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Middleware } from 'koa';

const PUBLIC_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'public');
const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Browser scripts served from their npm package, so the file served is the version package-lock.json pins. */
const VENDORED: Record<string, string> = {
  'vendor/jsQR.js': createRequire(import.meta.url).resolve('jsqr/dist/jsQR.js'),
};

/** Serves /assets/* from public/ (a handful of small files, kept in memory after the first read). */
export function staticAssets(): Middleware {
  const cache = new Map<string, Buffer>();
  return async (ctx, next) => {
    if (!ctx.path.startsWith('/assets/') || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    const relative = normalize(ctx.path.slice('/assets/'.length));
    const type = TYPES[extname(relative)];
    if (!type || relative.startsWith('..') || relative.includes('\0')) return next();
    let body = cache.get(relative);
    if (!body) {
      try {
        body = await readFile(VENDORED[relative] ?? join(PUBLIC_DIR, relative));
      } catch {
        return next();
      }
      cache.set(relative, body);
    }
    ctx.type = type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = body;
  };
}
