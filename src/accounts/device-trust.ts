import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { usernameKey } from './account.js';

/** Accounts one browser is remembered for: siblings sharing a device each keep their entry. */
const MAX_ENTRIES = 8;
const ENTRY = /^([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22})$/;

/**
 * OWASP's device cookies ("Slow Down Online Guessing Attacks with Device Cookies"). A browser where an account signed
 * in successfully keeps, for that account, an entry `device.mac` with mac = HMAC(secret, account, device): a random
 * device id signed for that account. Failed attempts from a browser holding a valid entry are counted against that
 * device, not the account, so an attacker's guesses that lock the account for unknown browsers do not lock its owner
 * out; a device that fails too often itself is treated as unknown again. The entries name no account (each is checked
 * against the username typed), so the cookie does not tell who used the device.
 */
export class DeviceTrust {
  constructor(private readonly secret: string) {}

  private mac(username: string, deviceId: string): string {
    return createHmac('sha256', this.secret)
      .update(`device:${usernameKey(username)}:${deviceId}`)
      .digest()
      .subarray(0, 16)
      .toString('base64url');
  }

  private entries(cookie: string | undefined): { deviceId: string; mac: string; raw: string }[] {
    if (!cookie || cookie.length > MAX_ENTRIES * 40 + MAX_ENTRIES) return [];
    const out = [];
    for (const raw of cookie.split('~')) {
      const match = ENTRY.exec(raw);
      if (match) out.push({ deviceId: match[1], mac: match[2], raw });
    }
    return out.slice(0, MAX_ENTRIES);
  }

  /** The device id this browser holds, signed for `username`, or null. */
  deviceFor(cookie: string | undefined, username: string): string | null {
    for (const entry of this.entries(cookie)) {
      const expected = Buffer.from(this.mac(username, entry.deviceId));
      const given = Buffer.from(entry.mac);
      if (expected.length === given.length && timingSafeEqual(expected, given)) return entry.deviceId;
    }
    return null;
  }

  /**
   * The cookie after a successful sign-in of `username`: a new entry for it first (a new device id, so the device's
   * count starts again), then the entries of other accounts, the oldest dropped beyond eight.
   */
  issue(cookie: string | undefined, username: string): string {
    const previous = this.deviceFor(cookie, username);
    const deviceId = randomBytes(12).toString('base64url');
    const others = this.entries(cookie)
      .filter((entry) => entry.deviceId !== previous)
      .map((entry) => entry.raw);
    return [`${deviceId}.${this.mac(username, deviceId)}`, ...others].slice(0, MAX_ENTRIES).join('~');
  }
}
