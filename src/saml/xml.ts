import { DOMParser } from '@xmldom/xmldom';
import { SamlRefusal } from './refusal.js';

export const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  metadata: 'urn:oasis:names:tc:SAML:2.0:metadata',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
} as const;

export const BINDINGS = {
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
} as const;

/**
 * Parses a SAML message or metadata document that came from outside. A document type declaration is refused before
 * the parser sees it: SAML never needs one, and it is how entity expansion ("billion laughs") and external entities
 * (XXE) get in. Any parser warning or error refuses the document too, so nothing half-read is ever used.
 */
export function parseUntrustedXml(text: string): Document {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new SamlRefusal('XML_DTD');
  const fail = () => {
    throw new SamlRefusal('XML_MALFORMED');
  };
  let doc: Document;
  try {
    doc = new DOMParser({ errorHandler: { warning: fail, error: fail, fatalError: fail } }).parseFromString(text, 'text/xml') as unknown as Document;
  } catch (error) {
    if (error instanceof SamlRefusal) throw error;
    throw new SamlRefusal('XML_MALFORMED');
  }
  if (!doc?.documentElement) throw new SamlRefusal('XML_MALFORMED');
  return doc;
}

/** The element children of `parent` with this namespace and local name, in document order. */
export function children(parent: Element, ns: string, localName: string): Element[] {
  const out: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1 && (node as Element).namespaceURI === ns && (node as Element).localName === localName) out.push(node as Element);
  }
  return out;
}

export function child(parent: Element, ns: string, localName: string): Element | null {
  return children(parent, ns, localName)[0] ?? null;
}

/** Every element with this namespace and local name below `root`, at any depth. */
export function descendants(root: Element | Document, ns: string, localName: string): Element[] {
  return Array.from(root.getElementsByTagNameNS(ns, localName) as unknown as ArrayLike<Element>);
}

export function textOf(element: Element | null): string {
  return (element?.textContent ?? '').trim();
}

/** Escapes text for an XML attribute or element. */
export function xmlEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** The base64 body of a PEM certificate, as XML-DSig's X509Certificate carries it. */
export function certificateBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}

export function pemCertificate(base64: string): string {
  const body = base64.replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** SAML times: UTC, whole seconds ("2026-01-05T08:30:00Z"). */
export function samlInstant(millis: number): string {
  return new Date(Math.floor(millis / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
