import { randomBytes } from 'node:crypto';
import { NS, samlInstant, xmlEscape as x } from './xml.js';

export const STATUS = {
  success: 'urn:oasis:names:tc:SAML:2.0:status:Success',
  requester: 'urn:oasis:names:tc:SAML:2.0:status:Requester',
  responder: 'urn:oasis:names:tc:SAML:2.0:status:Responder',
  noPassive: 'urn:oasis:names:tc:SAML:2.0:status:NoPassive',
  invalidNameIdPolicy: 'urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy',
  partialLogout: 'urn:oasis:names:tc:SAML:2.0:status:PartialLogout',
  requestDenied: 'urn:oasis:names:tc:SAML:2.0:status:RequestDenied',
} as const;

export interface Status {
  code: string;
  /** A second-level status code (NoPassive …) under a top-level Requester or Responder. */
  detail?: string;
}

/** SAML IDs are xs:ID: they may not start with a digit. */
export function newSamlId(): string {
  return `_${randomBytes(20).toString('hex')}`;
}

const ASSERTION_ATTRS = `xmlns:saml="${NS.assertion}"`;
const PROTOCOL_ATTRS = `xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}"`;

function statusXml(status: Status): string {
  const detail = status.detail ? `<samlp:StatusCode Value="${x(status.detail)}"/>` : '';
  return `<samlp:Status><samlp:StatusCode Value="${x(status.code)}">${detail}</samlp:StatusCode></samlp:Status>`;
}

export interface AttributeValues {
  name: string;
  values: string[];
}

export interface AssertionInput {
  id: string;
  issuer: string;
  issuedAt: number;
  /** The app (its entity ID): the only audience. */
  audience: string;
  recipient: string;
  inResponseTo: string | null;
  nameId: { value: string; format: string };
  /** When the person signed in (the provider session's auth_time). */
  authnInstant: number;
  /** How: password alone, or with a second factor (see src/mfa/authn-context.ts). */
  authnContextClass: string;
  sessionIndex: string;
  sessionNotOnOrAfter: number;
  notBefore: number;
  notOnOrAfter: number;
  attributes: AttributeValues[];
}

export function assertionXml(a: AssertionInput): string {
  const inResponseTo = a.inResponseTo ? ` InResponseTo="${x(a.inResponseTo)}"` : '';
  const attributes = a.attributes
    .filter((attribute) => attribute.values.length)
    .map((attribute) => {
      const format = attribute.name.startsWith('urn:') ? 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri' : 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic';
      const values = attribute.values.map((v) => `<saml:AttributeValue xsi:type="xs:string">${x(v)}</saml:AttributeValue>`).join('');
      return `<saml:Attribute Name="${x(attribute.name)}" NameFormat="${format}">${values}</saml:Attribute>`;
    })
    .join('');
  return (
    `<saml:Assertion ${ASSERTION_ATTRS} xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="${x(a.id)}" Version="2.0" IssueInstant="${samlInstant(a.issuedAt)}">` +
    `<saml:Issuer>${x(a.issuer)}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="${x(a.nameId.format)}">${x(a.nameId.value)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData${inResponseTo} NotOnOrAfter="${samlInstant(a.notOnOrAfter)}" Recipient="${x(a.recipient)}"/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${samlInstant(a.notBefore)}" NotOnOrAfter="${samlInstant(a.notOnOrAfter)}"><saml:AudienceRestriction><saml:Audience>${x(a.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${samlInstant(a.authnInstant)}" SessionIndex="${x(a.sessionIndex)}" SessionNotOnOrAfter="${samlInstant(a.sessionNotOnOrAfter)}"><saml:AuthnContext><saml:AuthnContextClassRef>${x(a.authnContextClass)}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : '') +
    `</saml:Assertion>`
  );
}

export interface ResponseInput {
  id: string;
  issuer: string;
  issuedAt: number;
  destination: string;
  inResponseTo: string | null;
  status: Status;
  /** The (possibly signed) assertion, for a successful response. */
  assertion?: string;
}

export function responseXml(r: ResponseInput): string {
  const inResponseTo = r.inResponseTo ? ` InResponseTo="${x(r.inResponseTo)}"` : '';
  return (
    `<samlp:Response ${PROTOCOL_ATTRS} ID="${x(r.id)}" Version="2.0" IssueInstant="${samlInstant(r.issuedAt)}" Destination="${x(r.destination)}"${inResponseTo}>` +
    `<saml:Issuer>${x(r.issuer)}</saml:Issuer>${statusXml(r.status)}${r.assertion ?? ''}</samlp:Response>`
  );
}

export interface LogoutRequestInput {
  id: string;
  issuer: string;
  issuedAt: number;
  destination: string;
  nameId: { value: string; format: string };
  sessionIndex: string;
  notOnOrAfter: number;
}

export function logoutRequestXml(r: LogoutRequestInput): string {
  return (
    `<samlp:LogoutRequest ${PROTOCOL_ATTRS} ID="${x(r.id)}" Version="2.0" IssueInstant="${samlInstant(r.issuedAt)}" Destination="${x(r.destination)}" NotOnOrAfter="${samlInstant(r.notOnOrAfter)}">` +
    `<saml:Issuer>${x(r.issuer)}</saml:Issuer><saml:NameID Format="${x(r.nameId.format)}">${x(r.nameId.value)}</saml:NameID>` +
    `<samlp:SessionIndex>${x(r.sessionIndex)}</samlp:SessionIndex></samlp:LogoutRequest>`
  );
}

export interface LogoutResponseInput {
  id: string;
  issuer: string;
  issuedAt: number;
  destination: string;
  inResponseTo: string;
  status: Status;
}

export function logoutResponseXml(r: LogoutResponseInput): string {
  return (
    `<samlp:LogoutResponse ${PROTOCOL_ATTRS} ID="${x(r.id)}" Version="2.0" IssueInstant="${samlInstant(r.issuedAt)}" Destination="${x(r.destination)}" InResponseTo="${x(r.inResponseTo)}">` +
    `<saml:Issuer>${x(r.issuer)}</saml:Issuer>${statusXml(r.status)}</samlp:LogoutResponse>`
  );
}
