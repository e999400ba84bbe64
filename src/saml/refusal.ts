/**
 * Why a SAML message was refused. Each reason has a stable code (the audit event and the error page's reference
 * carry it) and a message for people under `saml.errors.<code>`.
 */
export const REFUSALS = [
  'XML_DTD',
  'XML_MALFORMED',
  'MESSAGE_TOO_LARGE',
  'MESSAGE_ENCODING',
  'NOT_A_REQUEST',
  'UNKNOWN_ISSUER',
  'DISABLED_APP',
  'WRONG_DESTINATION',
  'WRONG_ACS',
  'UNSUPPORTED_BINDING',
  'SIGNATURE_MISSING',
  'SIGNATURE_INVALID',
  'SIGNATURE_WRAPPED',
  'REQUEST_EXPIRED',
  'REQUEST_REPLAYED',
  'REQUEST_EXPIRED_FLOW',
  'UNKNOWN_SESSION',
  'UNEXPECTED_RESPONSE',
] as const;

export type RefusalCode = (typeof REFUSALS)[number];

/** A SAML message that Homeroom will not act on: shown as a clear page (HTTP 400) and written to the audit log. */
export class SamlRefusal extends Error {
  constructor(
    readonly code: RefusalCode,
    /** The service provider the message claimed to come from, when known (for the audit log). */
    readonly entityId: string | null = null,
  ) {
    super(code);
    this.name = 'SamlRefusal';
  }
}
