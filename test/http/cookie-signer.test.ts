import Keygrip from 'keygrip';
import { CookieSigner } from '../../src/http/cookie-signer.js';

/** Signed cookies written by Koa's keygrip before this signer stay valid after, and the other way round. */
describe('CookieSigner', () => {
  const current = 'c'.repeat(40);
  const previous = 'p'.repeat(40);
  const values = ['hr_session=abc', 'hr_interaction=Zx9-_', `lang=${'é'.repeat(20)}`, ''];

  test.each(values)('signs %j exactly as keygrip does', (data) => {
    expect(new CookieSigner([current, previous]).sign(data)).toBe(new Keygrip([current, previous]).sign(data));
  });

  test('a signature of any key is recognised, with the index keygrip gives; anything else is -1', () => {
    const signer = new CookieSigner([current, previous]);
    const data = 'hr_session=abc';
    expect(signer.index(data, new Keygrip([current]).sign(data))).toBe(0);
    expect(signer.index(data, new Keygrip([previous]).sign(data))).toBe(1);
    expect(signer.verify(data, new Keygrip([previous]).sign(data))).toBe(true);
    const other = new Keygrip(['o'.repeat(40)]).sign(data);
    expect(signer.index(data, other)).toBe(-1);
    expect(signer.index(data, other.slice(0, -1))).toBe(-1);
    expect(signer.index(data, '')).toBe(-1);
    expect(signer.index(`${data}x`, new Keygrip([current]).sign(data))).toBe(-1);
  });

  test('refuses to start without a key', () => {
    expect(() => new CookieSigner([])).toThrow('at least one key');
  });
});
