import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { SamlRefusal } from './refusal.js';

export interface MessageLimits {
  /** Largest encoded message, in bytes. */
  maxMessageBytes: number;
  /** Largest message once inflated (HTTP-Redirect), in bytes. */
  maxInflatedBytes: number;
}

const BASE64 = /^[A-Za-z0-9+/=\s]+$/;

function base64Bytes(value: string, limits: MessageLimits): Buffer {
  if (value.length > limits.maxMessageBytes) throw new SamlRefusal('MESSAGE_TOO_LARGE');
  if (!value || !BASE64.test(value)) throw new SamlRefusal('MESSAGE_ENCODING');
  return Buffer.from(value, 'base64');
}

/**
 * HTTP-Redirect: base64 of raw DEFLATE. Inflation stops at the configured size, so a small message that would
 * expand to gigabytes (a deflate bomb) is refused after a bounded amount of work.
 */
export function decodeRedirectMessage(value: string, limits: MessageLimits): string {
  return inflated(base64Bytes(value, limits), limits);
}

function inflated(compressed: Buffer, limits: MessageLimits): string {
  try {
    return inflateRawSync(compressed, { maxOutputLength: limits.maxInflatedBytes }).toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) throw new SamlRefusal('MESSAGE_TOO_LARGE');
    throw new SamlRefusal('MESSAGE_ENCODING');
  }
}

/**
 * HTTP-POST: plain base64. Some service providers (node-saml by default) deflate it as for HTTP-Redirect: a message
 * that does not start as XML is inflated, within the same bound.
 */
export function decodePostMessage(value: string, limits: MessageLimits): string {
  const bytes = base64Bytes(value, limits);
  const text = bytes.toString('utf8');
  return /^\s*</.test(text) ? text : inflated(bytes, limits);
}

export function encodeRedirectMessage(xml: string): string {
  return deflateRawSync(Buffer.from(xml, 'utf8')).toString('base64');
}

export function encodePostMessage(xml: string): string {
  return Buffer.from(xml, 'utf8').toString('base64');
}
