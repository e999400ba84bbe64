import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { SqlSigningKeys } from '../store/signing-keys-repo.js';

/** RS256 by default: many relying parties cannot verify EdDSA or ES256 ID tokens. */
export function generateSigningJwk(): { kid: string; jwk: Record<string, unknown> } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(12).toString('base64url');
  return { kid, jwk: { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

/**
 * The provider's key set: the newest key first (it signs), then older keys still published so tokens they signed
 * verify until they expire. An older key is retired when a process first starts without signing with it, and
 * dropped `publishRetiredFor` seconds after that.
 */
export async function loadSigningKeys(repo: SqlSigningKeys, publishRetiredFor: number, now = Date.now()): Promise<Record<string, unknown>[]> {
  if ((await repo.all()).length === 0) {
    const { kid, jwk } = generateSigningJwk();
    await repo.insertIfNone(kid, jwk, now);
  }
  const [active] = await repo.all();
  await repo.retireAllBut(active.kid, now);
  await repo.prune(now - publishRetiredFor * 1000);
  const keys = await repo.all();
  return [active, ...keys.filter((k) => k.kid !== active.kid)].map((k) => k.jwk);
}

/** Adds a new signing key; it signs from the next start, and the old one stays published until its tokens expire. */
export async function rotateSigningKey(repo: SqlSigningKeys): Promise<string> {
  const { kid, jwk } = generateSigningJwk();
  await repo.add(kid, jwk);
  return kid;
}
