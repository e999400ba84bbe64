import { commonPasswords } from '../../src/accounts/common-passwords.js';
import { PasswordPolicy, type PasswordProblem } from '../../src/accounts/password-policy.js';
import { PasswordHasher } from '../../src/accounts/passwords.js';

const hasher = new PasswordHasher({ memoryCost: 8192, timeCost: 1, parallelism: 1 });
const policy = new PasswordPolicy(() => ({ minLength: 8, maxLength: 128, blockCommon: true }), hasher, commonPasswords);
const account = { username: 'S0123456', studentId: '123456', givenName: 'Zoé', familyName: 'Nguyễn' };

describe('password policy', () => {
  test('the common list is the full list shipped by @zxcvbn-ts/language-common', async () => {
    const list = await commonPasswords();
    expect(list.size).toBeGreaterThan(40_000);
    expect(list.has('password')).toBe(true);
    expect(list.has('iloveyou')).toBe(true);
  });

  test.each<[string, string, PasswordProblem | null]>([
    ['', '', 'empty'],
    ['short', 'short', 'tooShort'],
    ['seven77', 'seven77', 'tooShort'],
    // Length counts characters, not bytes or UTF-16 units: four emoji and four letters make eight.
    ['🦊🦊🦊🦊abcd', '🦊🦊🦊🦊abcd', null],
    ['🦊🦊🦊🦊abc', '🦊🦊🦊🦊abc', 'tooShort'],
    ['a'.repeat(128) + 'b', 'a'.repeat(128) + 'b', 'tooLong'],
    ['Correct-Horse-9', 'Correct-Horse-8', 'mismatch'],
    ['password1', 'password1', 'common'],
    ['PASSWORD1', 'PASSWORD1', 'common'],
    ['iloveyou', 'iloveyou', 'common'],
    ['S0123456!', 'S0123456!', 'personal'],
    ['my123456id', 'my123456id', 'personal'],
    ['Zoe2026!!', 'Zoe2026!!', 'personal'],
    ['nguyen-2026', 'nguyen-2026', 'personal'],
    ['ZoeNguyen1', 'ZoeNguyen1', 'personal'],
    ['banana-zoe-boat', 'banana-zoe-boat', null],
    ['with spaces inside', 'with spaces inside', null],
    // The same characters typed as composed or decomposed Unicode are the same password.
    ['Crème brûlée 42', 'Cre\u0300me bru\u0302le\u0301e 42', null],
  ])('%j → %s', async (password, confirm, problem) => {
    const result = await policy.check(password, confirm, account, []);
    expect(result?.problem ?? null).toBe(problem);
  });

  test('a password this account used before is refused, whichever hash algorithm stored it', async () => {
    const history = [await hasher.hash('Old-Secret-Phrase-1'), await hasher.hash('Older-Secret-Phrase-2')];
    expect((await policy.check('Older-Secret-Phrase-2', 'Older-Secret-Phrase-2', account, history))?.problem).toBe('reused');
    expect(await policy.check('Brand-New-Phrase-3', 'Brand-New-Phrase-3', account, history)).toBeNull();
  });

  test('the minimum length follows the configuration', async () => {
    const strict = new PasswordPolicy(() => ({ minLength: 12, maxLength: 128, blockCommon: false }), hasher, commonPasswords);
    expect(await strict.check('eleven-char', 'eleven-char', account, [])).toEqual({ problem: 'tooShort', params: { min: 12 } });
    expect(await strict.check('password1234', 'password1234', account, [])).toBeNull();
  });
});
