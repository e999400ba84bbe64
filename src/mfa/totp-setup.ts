import QRCode from 'qrcode';
import type { I18n, Locale } from '../i18n/i18n.js';
import { groupedSecret, otpauthUri } from './totp.js';

/** What the page setting up an authenticator app shows: the QR code, and for people who cannot scan, the address and the secret. */
export interface TotpSetup {
  qrSvg: string;
  uri: string;
  secret: string;
}

export async function totpSetup(
  secret: string,
  config: { mfa: { issuer?: string }; district: { name: Record<string, string> }; i18n: { defaultLocale: Locale } },
  i18n: Pick<I18n, 'pick'>,
  username: string,
): Promise<TotpSetup> {
  // The app's label stays the same whatever language the page is in: it is how the person finds the entry later.
  const issuer = config.mfa.issuer ?? i18n.pick(config.district.name, config.i18n.defaultLocale);
  const uri = otpauthUri(secret, issuer, username);
  const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { qrSvg, uri, secret: groupedSecret(secret) };
}
