import { decodePostMessage, decodeRedirectMessage, type MessageLimits } from './bindings.js';
import { SamlRefusal } from './refusal.js';
import { verifyEnvelopedSignature, verifyRedirectSignature } from './signature.js';
import { child, children, NS, parseUntrustedXml, textOf } from './xml.js';

/** A SAML message as it arrived, decoded and parsed but not yet trusted. */
export interface ReceivedMessage {
  binding: 'redirect' | 'post';
  parameter: 'SAMLRequest' | 'SAMLResponse';
  xml: string;
  doc: Document;
  root: Element;
  relayState: string | null;
  /** The raw query string (HTTP-Redirect), which its signature covers. */
  querystring: string;
  issuer: string | null;
}

export interface IncomingParameters {
  binding: 'redirect' | 'post';
  /** The message and RelayState, from the query (HTTP-Redirect) or the form (HTTP-POST). */
  fields: Record<string, string | undefined>;
  querystring: string;
}

const RELAY_STATE_MAX = 80 * 4; // SAML allows 80 bytes; some apps send more, none this much.

export function receiveMessage(incoming: IncomingParameters, limits: MessageLimits): ReceivedMessage {
  const parameter = incoming.fields.SAMLRequest !== undefined ? 'SAMLRequest' : incoming.fields.SAMLResponse !== undefined ? 'SAMLResponse' : null;
  if (!parameter) throw new SamlRefusal('NOT_A_REQUEST');
  const value = incoming.fields[parameter]!;
  const xml = incoming.binding === 'redirect' ? decodeRedirectMessage(value, limits) : decodePostMessage(value, limits);
  const doc = parseUntrustedXml(xml);
  const root = doc.documentElement;
  if (root.namespaceURI !== NS.protocol) throw new SamlRefusal('NOT_A_REQUEST');
  const relayState = incoming.fields.RelayState ?? null;
  if (relayState !== null && relayState.length > RELAY_STATE_MAX) throw new SamlRefusal('MESSAGE_TOO_LARGE');
  return { binding: incoming.binding, parameter, xml, doc, root, relayState, querystring: incoming.querystring, issuer: textOf(child(root, NS.assertion, 'Issuer')) || null };
}

/** Checks the message's signature when the app registered a certificate (then a signature is required). */
export function checkSignature(message: ReceivedMessage, certificate: string | null, entityId: string): boolean {
  if (!certificate) return false;
  if (message.binding === 'redirect') verifyRedirectSignature(message.querystring, message.parameter, certificate, entityId);
  else verifyEnvelopedSignature(message.doc, message.xml, message.root, certificate, entityId);
  return true;
}

/** The header every SAML protocol message carries. */
export interface MessageHeader {
  id: string;
  issuer: string;
  issueInstant: number;
  destination: string | null;
}

const XML_ID = /^[A-Za-z_][A-Za-z0-9_.-]{0,255}$/;

function header(message: ReceivedMessage, localName: string): MessageHeader {
  const { root } = message;
  if (root.localName !== localName || root.getAttribute('Version') !== '2.0') throw new SamlRefusal('NOT_A_REQUEST', message.issuer);
  const id = root.getAttribute('ID') ?? '';
  const issueInstant = Date.parse(root.getAttribute('IssueInstant') ?? '');
  if (!XML_ID.test(id) || Number.isNaN(issueInstant) || !message.issuer) throw new SamlRefusal('NOT_A_REQUEST', message.issuer);
  return { id, issuer: message.issuer, issueInstant, destination: root.getAttribute('Destination') || null };
}

export interface AuthnRequest extends MessageHeader {
  acsUrl: string | null;
  acsIndex: number | null;
  protocolBinding: string | null;
  forceAuthn: boolean;
  isPassive: boolean;
  nameIdFormat: string | null;
}

const xsTrue = (value: string | null) => value === 'true' || value === '1';

export function readAuthnRequest(message: ReceivedMessage): AuthnRequest {
  const { root } = message;
  const index = root.getAttribute('AssertionConsumerServiceIndex');
  return {
    ...header(message, 'AuthnRequest'),
    acsUrl: root.getAttribute('AssertionConsumerServiceURL') || null,
    acsIndex: index && /^\d{1,5}$/.test(index) ? Number(index) : null,
    protocolBinding: root.getAttribute('ProtocolBinding') || null,
    forceAuthn: xsTrue(root.getAttribute('ForceAuthn')),
    isPassive: xsTrue(root.getAttribute('IsPassive')),
    nameIdFormat: child(root, NS.protocol, 'NameIDPolicy')?.getAttribute('Format') || null,
  };
}

export interface LogoutRequest extends MessageHeader {
  nameId: string;
  sessionIndexes: string[];
  notOnOrAfter: number | null;
}

export function readLogoutRequest(message: ReceivedMessage): LogoutRequest {
  const { root } = message;
  const notOnOrAfter = root.getAttribute('NotOnOrAfter');
  return {
    ...header(message, 'LogoutRequest'),
    nameId: textOf(child(root, NS.assertion, 'NameID')),
    sessionIndexes: children(root, NS.protocol, 'SessionIndex').map(textOf).filter(Boolean),
    notOnOrAfter: notOnOrAfter ? Date.parse(notOnOrAfter) : null,
  };
}

export interface LogoutResponse extends MessageHeader {
  inResponseTo: string | null;
  success: boolean;
}

export function readLogoutResponse(message: ReceivedMessage): LogoutResponse {
  const { root } = message;
  const status = child(child(root, NS.protocol, 'Status') ?? root, NS.protocol, 'StatusCode')?.getAttribute('Value');
  return {
    ...header(message, 'LogoutResponse'),
    inResponseTo: root.getAttribute('InResponseTo') || null,
    success: status === 'urn:oasis:names:tc:SAML:2.0:status:Success',
  };
}

/** A message is fresh when issued within its lifetime, with the clock difference allowed both ways. */
export function checkFresh(issueInstant: number, lifetimeSeconds: number, skewSeconds: number, entityId: string, now = Date.now()): void {
  if (issueInstant > now + skewSeconds * 1000 || issueInstant < now - (lifetimeSeconds + skewSeconds) * 1000) {
    throw new SamlRefusal('REQUEST_EXPIRED', entityId);
  }
}
