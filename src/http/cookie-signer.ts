import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * Signs and checks signed cookies exactly as keygrip (Koa's default) does: HMAC-SHA1 in base64url, the first key signs
 * and any key verifies, so cookies written before and after are the same. Each key is imported once, and a check is
 * one HMAC and a constant-time comparison, where keygrip imports the key for every HMAC and compares through two
 * more: a sign-in reads a dozen signed cookies (the provider's and ours).
 */
export class CookieSigner {
  private readonly keys: KeyObject[];

  constructor(keys: readonly string[]) {
    if (keys.length === 0) throw new Error('cookie signing needs at least one key');
    this.keys = keys.map((key) => createSecretKey(Buffer.from(key, 'utf8')));
  }

  sign(data: string): string {
    return this.digest(data, this.keys[0]);
  }

  verify(data: string, digest: string): boolean {
    return this.index(data, digest) > -1;
  }

  /** Which key made this signature (0 is the current one), or -1. */
  index(data: string, digest: string): number {
    const given = Buffer.from(String(digest), 'utf8');
    for (let i = 0; i < this.keys.length; i += 1) {
      const expected = Buffer.from(this.digest(data, this.keys[i]), 'utf8');
      // The length of a signature is public (it is fixed by the algorithm); only the bytes are compared in constant time.
      if (expected.length === given.length && timingSafeEqual(expected, given)) return i;
    }
    return -1;
  }

  private digest(data: string, key: KeyObject): string {
    return createHmac('sha1', key).update(data).digest('base64url');
  }
}
