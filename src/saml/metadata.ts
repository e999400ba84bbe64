import { badRequest } from '../shared/errors.js';
import { SamlRefusal } from './refusal.js';
import { NAME_ID_FORMATS, type NameIdSource, type NewServiceProvider } from './service-providers.js';
import { BINDINGS, certificateBody, child, children, descendants, NS, parseUntrustedXml, textOf, xmlEscape as x } from './xml.js';

/** Where the identity provider's endpoints are, for its metadata. */
export interface IdpEndpoints {
  entityId: string;
  ssoUrl: string;
  sloUrl: string;
}

/** Homeroom's SAML endpoints for its configuration: the entity ID is `<issuer>/saml/metadata` unless saml.entityId is set. */
export function idpEndpoints(config: { issuer: string; saml: { entityId?: string } }): IdpEndpoints {
  const { issuer } = config;
  return { entityId: config.saml.entityId ?? `${issuer}/saml/metadata`, ssoUrl: `${issuer}/saml/sso`, sloUrl: `${issuer}/saml/slo` };
}

/** The identity provider's metadata: its endpoints in both bindings, its signing certificates and NameID formats. */
export function idpMetadataXml(endpoints: IdpEndpoints, certificates: string[]): string {
  const keys = certificates
    .map(
      (pem) =>
        `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certificateBody(pem)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    )
    .join('');
  const services = (element: string, location: string) =>
    [BINDINGS.redirect, BINDINGS.post].map((binding) => `<md:${element} Binding="${binding}" Location="${x(location)}"/>`).join('');
  // Element order follows the schema: KeyDescriptor, SingleLogoutService, NameIDFormat, SingleSignOnService.
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<md:EntityDescriptor xmlns:md="${NS.metadata}" xmlns:ds="${NS.dsig}" entityID="${x(endpoints.entityId)}">` +
    `<md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="${NS.protocol}">` +
    keys +
    services('SingleLogoutService', endpoints.sloUrl) +
    Object.values(NAME_ID_FORMATS)
      .map((format) => `<md:NameIDFormat>${format}</md:NameIDFormat>`)
      .join('') +
    services('SingleSignOnService', endpoints.ssoUrl) +
    `</md:IDPSSODescriptor></md:EntityDescriptor>\n`
  );
}

/** Why metadata was refused: `problem` is stable (the console translates it), `reason` is for the CLI. */
export const METADATA_PROBLEMS = ['dtd', 'malformed', 'noEntity', 'noSpDescriptor', 'noEntityId', 'noPostAcs'] as const;

const invalid = (problem: (typeof METADATA_PROBLEMS)[number], reason: string) => badRequest('INVALID_SAML_METADATA', 'errors.invalidSamlMetadata', { reason, problem });

const SOURCE_BY_FORMAT: Record<string, NameIdSource> = Object.fromEntries(Object.entries(NAME_ID_FORMATS).map(([source, format]) => [format, source as NameIdSource]));

/**
 * What a service provider's metadata says about it: entity ID, HTTP-POST assertion consumer services, single logout,
 * signing certificate and preferred NameID format. The rest of its registration (name, tile, attributes) is the
 * administrator's.
 */
export function readSpMetadata(xml: string): Pick<NewServiceProvider, 'entityId' | 'acs' | 'slo' | 'certificate' | 'nameIdSource'> {
  let doc: Document;
  try {
    doc = parseUntrustedXml(xml);
  } catch (error) {
    if (error instanceof SamlRefusal) throw error.code === 'XML_DTD' ? invalid('dtd', 'a DOCTYPE is not allowed') : invalid('malformed', 'not well-formed XML');
    throw error;
  }
  const root = doc.documentElement;
  const entity =
    root.namespaceURI === NS.metadata && root.localName === 'EntityDescriptor'
      ? root
      : root.namespaceURI === NS.metadata && root.localName === 'EntitiesDescriptor' && children(root, NS.metadata, 'EntityDescriptor').length === 1
        ? children(root, NS.metadata, 'EntityDescriptor')[0]
        : null;
  if (!entity) throw invalid('noEntity', 'expected one md:EntityDescriptor');
  const sp = child(entity, NS.metadata, 'SPSSODescriptor');
  if (!sp) throw invalid('noSpDescriptor', 'no md:SPSSODescriptor (is this an identity provider’s metadata?)');
  const entityId = entity.getAttribute('entityID') ?? '';
  if (!entityId) throw invalid('noEntityId', 'no entityID');

  const acs = children(sp, NS.metadata, 'AssertionConsumerService')
    .filter((e) => e.getAttribute('Binding') === BINDINGS.post)
    .map((e) => ({ url: e.getAttribute('Location') ?? '', index: Number(e.getAttribute('index') ?? 0), isDefault: e.getAttribute('isDefault') === 'true' }));
  if (!acs.length) throw invalid('noPostAcs', 'no AssertionConsumerService with the HTTP-POST binding');

  const sloElements = children(sp, NS.metadata, 'SingleLogoutService');
  const slo = sloElements.find((e) => e.getAttribute('Binding') === BINDINGS.redirect) ?? sloElements.find((e) => e.getAttribute('Binding') === BINDINGS.post);
  const signing = children(sp, NS.metadata, 'KeyDescriptor').find((k) => (k.getAttribute('use') ?? 'signing') === 'signing');
  const certificate = signing ? textOf(descendants(signing, NS.dsig, 'X509Certificate')[0] ?? null) : '';
  const format = children(sp, NS.metadata, 'NameIDFormat')
    .map(textOf)
    .find((f) => SOURCE_BY_FORMAT[f]);

  return {
    entityId,
    acs,
    slo: slo
      ? {
          url: slo.getAttribute('Location') ?? '',
          responseUrl: slo.getAttribute('ResponseLocation') || null,
          binding: slo.getAttribute('Binding') === BINDINGS.redirect ? 'redirect' : 'post',
        }
      : null,
    certificate: certificate || null,
    nameIdSource: format ? SOURCE_BY_FORMAT[format] : 'username',
  };
}
