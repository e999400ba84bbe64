import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/** A signing key of the identity provider and its self-signed certificate (both PEM). */
export interface SamlKey {
  kid: string;
  privateKey: string;
  certificate: string;
  createdAt: number;
  /** When it starts signing; it is in the metadata from its creation. */
  activeFrom: number;
}

export interface SamlKeyStore {
  all(): Promise<SamlKey[]>;
  /** Adds the first key; processes starting together on an empty database agree on one. */
  insertIfNone(key: SamlKey): Promise<void>;
  add(key: SamlKey): Promise<void>;
  remove(kids: string[]): Promise<void>;
}

/** Service providers pin this certificate by hand (Google's admin console among them), so it is made to last. */
const CERTIFICATE_YEARS = 10;

export function generateSamlKey(subject: string, activeFrom: number, now = Date.now()): SamlKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  // DER wants a positive serial number in its shortest form: the first byte neither zero nor with its high bit set.
  const serial = randomBytes(16);
  serial[0] = 0x40 | (serial[0] & 0x3f);
  certificate.serialNumber = serial.toString('hex');
  certificate.validity.notBefore = new Date(now - 86400_000);
  certificate.validity.notAfter = new Date(now);
  certificate.validity.notAfter.setUTCFullYear(certificate.validity.notAfter.getUTCFullYear() + CERTIFICATE_YEARS);
  const name = [{ name: 'commonName', value: subject.slice(0, 64) }];
  certificate.setSubject(name);
  certificate.setIssuer(name);
  certificate.sign(forge.pki.privateKeyFromPem(privatePem), forge.md.sha256.create());
  return {
    kid: randomBytes(12).toString('base64url'),
    privateKey: privatePem,
    certificate: forge.pki.certificateToPem(certificate),
    createdAt: now,
    activeFrom,
  };
}

/**
 * The identity provider's keys. The newest key whose time has come signs; a key added by `homeroom keys rotate`
 * is published in the metadata at once and signs only `rolloverSeconds` later, so service providers that read the
 * metadata (and administrators who upload certificates by hand) have the next certificate before it is used. Every
 * process switches at the same moment, without a restart; a key that a newer one replaced is then dropped.
 */
export class SamlKeys {
  constructor(
    private readonly store: SamlKeyStore,
    private readonly subject: () => string,
    private readonly rolloverSeconds: () => number,
  ) {}

  async signingKey(now = Date.now()): Promise<SamlKey> {
    let keys = await this.store.all();
    if (keys.length === 0) {
      await this.store.insertIfNone(generateSamlKey(this.subject(), now, now));
      keys = await this.store.all();
    }
    const active = current(keys, now);
    const superseded = keys.filter((k) => k.activeFrom < active.activeFrom);
    if (superseded.length) await this.store.remove(superseded.map((k) => k.kid));
    return active;
  }

  /** The certificates in the metadata: the one signing now, then those that will. */
  async published(now = Date.now()): Promise<SamlKey[]> {
    const active = await this.signingKey(now);
    const upcoming = (await this.store.all()).filter((k) => k.activeFrom > now).sort((a, b) => a.activeFrom - b.activeFrom);
    return [active, ...upcoming];
  }

  /** Adds the next key; it is published now and signs after the rollover delay. */
  async rotate(now = Date.now()): Promise<SamlKey> {
    await this.signingKey(now);
    const key = generateSamlKey(this.subject(), now + this.rolloverSeconds() * 1000, now);
    await this.store.add(key);
    return key;
  }
}

function current(keys: SamlKey[], now: number): SamlKey {
  const due = keys.filter((k) => k.activeFrom <= now).sort((a, b) => b.activeFrom - a.activeFrom || b.createdAt - a.createdAt);
  // Only future keys (a clock set back): the soonest one signs rather than none.
  return due[0] ?? [...keys].sort((a, b) => a.activeFrom - b.activeFrom)[0];
}
