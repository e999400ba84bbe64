import { sign as rsaSign, verify as rsaVerify } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import type { SignatureAlgorithm } from './service-providers.js';
import { SamlRefusal } from './refusal.js';
import { children, descendants, NS } from './xml.js';

const ALGORITHMS: Record<SignatureAlgorithm, { uri: string; digest: string; hash: string }> = {
  'rsa-sha256': { uri: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', digest: 'http://www.w3.org/2001/04/xmlenc#sha256', hash: 'sha256' },
  'rsa-sha512': { uri: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512', digest: 'http://www.w3.org/2001/04/xmlenc#sha512', hash: 'sha512' },
  'rsa-sha1': { uri: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1', digest: 'http://www.w3.org/2000/09/xmldsig#sha1', hash: 'sha1' },
};

const EXCLUSIVE_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

export function signatureAlgorithmUri(algorithm: SignatureAlgorithm): string {
  return ALGORITHMS[algorithm].uri;
}

function hashForUri(uri: string): string | null {
  return Object.values(ALGORITHMS).find((a) => a.uri === uri)?.hash ?? null;
}

export interface SigningKey {
  privateKey: string;
  certificate: string;
}

/**
 * Signs the element with this ID (an Assertion, a Response, a LogoutRequest …) with an enveloped XML signature
 * placed right after its Issuer, where the SAML schema wants it.
 */
export function signElement(xml: string, id: string, key: SigningKey, algorithm: SignatureAlgorithm): string {
  const signed = new SignedXml({
    privateKey: key.privateKey,
    publicCert: key.certificate,
    signatureAlgorithm: ALGORITHMS[algorithm].uri as never,
    canonicalizationAlgorithm: EXCLUSIVE_C14N,
  });
  signed.addReference({ xpath: `//*[@ID='${id}']`, transforms: [ENVELOPED, EXCLUSIVE_C14N], digestAlgorithm: ALGORITHMS[algorithm].digest as never });
  signed.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: `//*[@ID='${id}']/*[local-name(.)='Issuer']`, action: 'after' },
  });
  return signed.getSignedXml();
}

/**
 * Checks the enveloped signature of a message received by HTTP-POST against the app's certificate. Signature
 * wrapping is refused by shape before any cryptography: the document holds exactly one signature, it is a child of
 * the message element Homeroom reads, it covers that element by its ID and nothing else, and no other element carries
 * that ID. The key comes from the registration, never from the message's KeyInfo.
 */
export function verifyEnvelopedSignature(doc: Document, xml: string, root: Element, certificate: string, entityId: string): void {
  const all = descendants(doc, NS.dsig, 'Signature');
  const own = children(root, NS.dsig, 'Signature');
  if (all.length === 0) throw new SamlRefusal('SIGNATURE_MISSING', entityId);
  if (own.length !== 1 || all.length !== 1) throw new SamlRefusal('SIGNATURE_WRAPPED', entityId);
  const id = root.getAttribute('ID');
  if (!id || elementsWithId(doc, id) !== 1) throw new SamlRefusal('SIGNATURE_WRAPPED', entityId);

  const verifier = new SignedXml({ publicCert: certificate, getCertFromKeyInfo: () => null });
  try {
    verifier.loadSignature(own[0]);
  } catch {
    throw new SamlRefusal('SIGNATURE_INVALID', entityId);
  }
  const references = verifier.getReferences();
  if (references.length !== 1 || references[0].uri !== `#${id}`) throw new SamlRefusal('SIGNATURE_WRAPPED', entityId);
  if (!hashForUri(verifier.signatureAlgorithm ?? '')) throw new SamlRefusal('SIGNATURE_INVALID', entityId);
  let valid: boolean;
  try {
    valid = verifier.checkSignature(xml);
  } catch {
    valid = false;
  }
  if (!valid) throw new SamlRefusal('SIGNATURE_INVALID', entityId);
}

function elementsWithId(doc: Document, id: string): number {
  let count = 0;
  const all = doc.getElementsByTagName('*') as unknown as ArrayLike<Element>;
  for (let i = 0; i < all.length; i += 1) {
    const element = all[i];
    if (element.getAttribute('ID') === id || element.getAttribute('Id') === id || element.getAttribute('id') === id) count += 1;
  }
  return count;
}

/** The raw (still URL-encoded) parameters of a query string, in the order received. */
function rawParameters(querystring: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of querystring.split('&')) {
    const at = part.indexOf('=');
    if (at > 0 && !out.has(part.slice(0, at))) out.set(part.slice(0, at), part.slice(at + 1));
  }
  return out;
}

const decode = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));

/**
 * HTTP-Redirect binding: the signature covers the query string exactly as the app encoded it (SAMLRequest or
 * SAMLResponse, RelayState, SigAlg), so it is checked against the raw query, never a re-encoded one.
 */
export function verifyRedirectSignature(querystring: string, messageParameter: 'SAMLRequest' | 'SAMLResponse', certificate: string, entityId: string): void {
  const raw = rawParameters(querystring);
  const signature = raw.get('Signature');
  const sigAlg = raw.get('SigAlg');
  if (!signature || !sigAlg) throw new SamlRefusal('SIGNATURE_MISSING', entityId);
  let hash: string | null;
  let signed: string;
  let signatureBytes: Buffer;
  try {
    hash = hashForUri(decode(sigAlg));
    signed = [`${messageParameter}=${raw.get(messageParameter) ?? ''}`, ...(raw.has('RelayState') ? [`RelayState=${raw.get('RelayState')}`] : []), `SigAlg=${sigAlg}`].join('&');
    signatureBytes = Buffer.from(decode(signature), 'base64');
  } catch {
    throw new SamlRefusal('SIGNATURE_INVALID', entityId);
  }
  if (!hash) throw new SamlRefusal('SIGNATURE_INVALID', entityId);
  let valid: boolean;
  try {
    valid = rsaVerify(hash, Buffer.from(signed), certificate, signatureBytes);
  } catch {
    valid = false;
  }
  if (!valid) throw new SamlRefusal('SIGNATURE_INVALID', entityId);
}

/** The signed query string of an HTTP-Redirect message (SAMLRequest or SAMLResponse already deflated and base64). */
export function signedRedirectQuery(
  messageParameter: 'SAMLRequest' | 'SAMLResponse',
  encodedMessage: string,
  relayState: string | null,
  key: SigningKey,
  algorithm: SignatureAlgorithm,
): string {
  const query = [
    `${messageParameter}=${encodeURIComponent(encodedMessage)}`,
    ...(relayState !== null ? [`RelayState=${encodeURIComponent(relayState)}`] : []),
    `SigAlg=${encodeURIComponent(ALGORITHMS[algorithm].uri)}`,
  ].join('&');
  const signature = rsaSign(ALGORITHMS[algorithm].hash, Buffer.from(query), key.privateKey).toString('base64');
  return `${query}&Signature=${encodeURIComponent(signature)}`;
}
