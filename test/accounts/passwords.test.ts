import bcrypt from 'bcryptjs';
import { PasswordHasher } from '../../src/accounts/passwords.js';
import { CHEAP_HASH, cheapHasher } from '../helpers/factories.js';

describe('PasswordHasher', () => {
  const hasher = cheapHasher();

  test('hashes with argon2id and the configured parameters, salted', async () => {
    const a = await hasher.hash('correct horse battery staple');
    const b = await hasher.hash('correct horse battery staple');
    expect(a).toMatch(/^\$argon2id\$v=19\$m=8192,t=1,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct horse');
    expect(hasher.needsRehash(a)).toBe(false);
  });

  test('verifies the right password and rejects a wrong one', async () => {
    const stored = await hasher.hash('Lakeside-Ana-2026');
    expect(await hasher.verify(stored, 'Lakeside-Ana-2026')).toBe(true);
    expect(await hasher.verify(stored, 'lakeside-ana-2026')).toBe(false);
    expect(await hasher.verify(stored, 'Lakeside-Ana-2026 ')).toBe(false);
    expect(await hasher.verify(stored, '')).toBe(false);
  });

  test('NFC normalisation: a composed and a decomposed é are the same password', async () => {
    const composed = 'caf\u00e9-Ré'; // é as one code point
    const decomposed = 'cafe\u0301-Re\u0301'; // e + combining acute accent
    expect(composed).not.toBe(decomposed);
    expect(composed.normalize('NFC')).toBe(decomposed.normalize('NFC'));

    const fromComposed = await hasher.hash(composed);
    expect(await hasher.verify(fromComposed, decomposed)).toBe(true);
    expect(await hasher.verify(fromComposed, composed)).toBe(true);
    const fromDecomposed = await hasher.hash(decomposed);
    expect(await hasher.verify(fromDecomposed, composed)).toBe(true);
    expect(await hasher.verify(fromDecomposed, 'cafe-Re')).toBe(false);
  });

  test('a legacy bcrypt hash verifies and needs a rehash', async () => {
    const legacy = bcrypt.hashSync('Old-System-Pass1', 4);
    expect(legacy).toMatch(/^\$2[aby]\$04\$/);
    expect(await hasher.verify(legacy, 'Old-System-Pass1')).toBe(true);
    expect(await hasher.verify(legacy, 'Old-System-Pass2')).toBe(false);
    expect(hasher.needsRehash(legacy)).toBe(true);
  });

  test('a bcrypt hash of the decomposed form verifies the composed input (both normalised)', async () => {
    const legacy = bcrypt.hashSync('\u00e9t\u00e9-2024', 4);
    expect(await hasher.verify(legacy, 'e\u0301te\u0301-2024')).toBe(true);
  });

  test('argon2 hashes with other parameters or variants need a rehash but still verify', async () => {
    const other = new PasswordHasher({ memoryCost: 8192, timeCost: 2, parallelism: 1 });
    const stored = await other.hash('pw-with-other-params');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=8192,t=2,p=1\$/);
    expect(hasher.needsRehash(stored)).toBe(true);
    expect(other.needsRehash(stored)).toBe(false);
    expect(await hasher.verify(stored, 'pw-with-other-params')).toBe(true);

    const moreMemory = new PasswordHasher({ ...CHEAP_HASH, memoryCost: 16384 });
    expect(moreMemory.needsRehash(await hasher.hash('x'))).toBe(true);
    // Same numbers but argon2i is not argon2id.
    expect(hasher.needsRehash('$argon2i$v=19$m=8192,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g')).toBe(true);
  });

  test('unknown or malformed stored values never verify', async () => {
    expect(await hasher.verify('plain-text-password', 'plain-text-password')).toBe(false);
    expect(await hasher.verify('', '')).toBe(false);
    expect(await hasher.verify('$argon2id$v=19$m=8192,t=1,p=1$broken', 'x')).toBe(false);
    expect(await hasher.verify('{SSHA}abcdef', 'x')).toBe(false);
  });

  test('verifyDummy returns false, for any input', async () => {
    expect(await hasher.verifyDummy('anything')).toBe(false);
    expect(await hasher.verifyDummy('homeroom-timing-equaliser')).toBe(false);
    expect(await hasher.verifyDummy('')).toBe(false);
  });

  test('the default parameters (OWASP minimum: m=19456, t=2, p=1) round-trip', async () => {
    const defaults = new PasswordHasher({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
    const stored = await defaults.hash('Default-Cost-Pass!');
    expect(stored.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
    expect(await defaults.verify(stored, 'Default-Cost-Pass!')).toBe(true);
    expect(await defaults.verify(stored, 'Default-Cost-Pass?')).toBe(false);
    expect(defaults.needsRehash(stored)).toBe(false);
    expect(hasher.needsRehash(stored)).toBe(true);
  });
});
