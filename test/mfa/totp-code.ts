import { createHmac } from 'node:crypto';

/**
 * RFC 6238 written out again for the tests, apart from src/mfa/totp.ts, as an authenticator app on a phone would
 * compute it: a test that used the server's own code to make codes could not catch a mistake in it.
 */
export function appCode(base32Secret: string, at = Date.now(), stepOffset = 0): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of base32Secret.replace(/[\s=]/g, '').toUpperCase()) bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g)!.map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30_000) + stepOffset));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[19] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/** The secret inside the otpauth:// address a setup page shows. */
export function secretFromPage(html: string): string {
  const match = /otpauth:\/\/totp\/[^<"\s]+/.exec(html.replace(/&amp;/g, '&'));
  if (!match) throw new Error('no otpauth:// address on the page');
  return new URL(match[0]).searchParams.get('secret')!;
}

/** The recovery codes a page lists. */
export function codesFromPage(html: string): string[] {
  return [...html.matchAll(/<li><code>([A-Z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]);
}
