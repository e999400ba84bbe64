import { DeviceTrust } from '../../src/accounts/device-trust.js';

/** The device cookie's own rules: what it proves, for whom, and how much it keeps. */
describe('device cookies', () => {
  const trust = new DeviceTrust('a-server-secret-for-this-test-only');

  test('an entry is good for the account it was issued to, whatever the case of the username, and no other', () => {
    const cookie = trust.issue(undefined, 'S0100001');
    expect(trust.deviceFor(cookie, 's0100001 ')).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(trust.deviceFor(cookie, 'S0100002')).toBeNull();
    expect(new DeviceTrust('another-server-secret-entirely-00').deviceFor(cookie, 'S0100001')).toBeNull();
  });

  test('forged, truncated or foreign values prove nothing', () => {
    const cookie = trust.issue(undefined, 'admin');
    const [id, mac] = cookie.split('.');
    const flipped = `${id}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
    // The last: a valid entry buried in an oversized cookie, which is not read at all.
    for (const value of [flipped, `${id}.`, id, '', 'x'.repeat(5000), `${'z'.repeat(38)}~`.repeat(20) + cookie]) expect(trust.deviceFor(value, 'admin')).toBeNull();
  });

  test("a new sign-in renews the account's entry (a new device id) and keeps the others, eight accounts at most", () => {
    let cookie = trust.issue(undefined, 'ana');
    const first = trust.deviceFor(cookie, 'ana');
    cookie = trust.issue(cookie, 'noah');
    cookie = trust.issue(cookie, 'ana');
    expect(cookie.split('~')).toHaveLength(2);
    expect(trust.deviceFor(cookie, 'ana')).not.toBe(first);
    expect(trust.deviceFor(cookie, 'noah')).not.toBeNull();

    for (let i = 0; i < 8; i += 1) cookie = trust.issue(cookie, `sibling${i}`);
    expect(cookie.split('~')).toHaveLength(8);
    // The least recently signed-in accounts were dropped first.
    expect(trust.deviceFor(cookie, 'noah')).toBeNull();
    expect(trust.deviceFor(cookie, 'ana')).toBeNull();
    expect(trust.deviceFor(cookie, 'sibling0')).not.toBeNull();
    expect(cookie.toLowerCase()).not.toContain('sibling');
  });
});
