import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { SqlSigningKeys } from '../store/signing-keys-repo.js';

/** RS256 by default: many relying parties cannot verify EdDSA or ES256 ID tokens. */
export function generateSigningJwk(): { kid: string; jwk: Record<string, unknown> } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(12).toString('base64url');
  return { kid, jwk: { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

/**
 * The provider's key set: the active key first (it signs), then retired keys still published so tokens they signed
 * verify until they expire. Retired keys older than `publishRetiredFor` seconds are dropped.
 */
export async function loadSigningKeys(repo: SqlSigningKeys, publishRetiredFor: number): Promise<Record<string, unknown>[]> {
  let keys = await repo.all();
  if (keys.length === 0) {
    const { kid, jwk } = generateSigningJwk();
    await repo.insertIfNone(kid, jwk);
    keys = await repo.all();
  }
  await repo.prune(Date.now() - publishRetiredFor * 1000);
  const active = keys.filter((k) => k.retiredAt === null);
  const retired = keys.filter((k) => k.retiredAt !== null && k.retiredAt > Date.now() - publishRetiredFor * 1000);
  return [...active, ...retired].map((k) => k.jwk);
}

export async function rotateSigningKey(repo: SqlSigningKeys): Promise<string> {
  const { kid, jwk } = generateSigningJwk();
  await repo.rotate(kid, jwk);
  return kid;
}
