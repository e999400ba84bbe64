import { SAML_SIGNATURE_ALGORITHMS } from '../config/schema.js';
import type { EventBus } from '../events/bus.js';
import { readSpMetadata } from '../saml/metadata.js';
import {
  ATTRIBUTES,
  DEFAULT_ATTRIBUTE_NAMES,
  NAME_ID_SOURCES,
  normalizeCertificate,
  samlUrlProblem,
  type AttributeKey,
  type NameIdSource,
  type NewServiceProvider,
  type ServiceProvider,
  type ServiceProviderRegistry,
  type SignatureAlgorithm,
} from '../saml/service-providers.js';
import { AppError, notFound } from '../shared/errors.js';
import type { FieldError } from '../shared/field-error.js';
import { defaultNameOf, lines, namesAndTileValues, parseNames, parseTile, type Actor } from './apps.js';

/** Largest metadata document accepted from the form (pasted or uploaded); real ones are a few kilobytes. */
export const MAX_METADATA_BYTES = 256 * 1024;

export const SIGN_CHOICES = ['both', 'assertion', 'response'] as const;
type SignChoice = (typeof SIGN_CHOICES)[number];

const MAX_ACS = 20;

export interface SamlAppFormResult {
  input: NewServiceProvider | null;
  errors: FieldError[];
}

/** The service provider's own description from its metadata, or a field error saying why it can't be used. */
function fromMetadata(xml: string, errors: FieldError[]): ReturnType<typeof readSpMetadata> | null {
  if (Buffer.byteLength(xml) > MAX_METADATA_BYTES) {
    errors.push({ field: 'metadata', message: 'samlMetadata.tooLarge', params: { max: MAX_METADATA_BYTES / 1024 } });
    return null;
  }
  try {
    return readSpMetadata(xml);
  } catch (error) {
    if (error instanceof AppError && error.code === 'INVALID_SAML_METADATA') {
      errors.push({ field: 'metadata', message: `samlMetadata.${error.params.problem}` });
      return null;
    }
    throw error;
  }
}

function checkUrl(field: string, url: string, errors: FieldError[]): void {
  const problem = samlUrlProblem(url);
  if (problem) errors.push({ field, message: `uri.${problem}`, params: { uri: url.slice(0, 200) } });
}

/**
 * Reads the SAML app form. When metadata is given (pasted or uploaded) it is the app's own description and supplies
 * its entity ID, assertion consumer services, single logout and certificate; otherwise those come from the fields.
 * What Homeroom sends (NameID, attributes, signatures) and the tile are always the administrator's choice.
 */
export function parseSamlAppForm(form: Record<string, string>, metadataXml: string | null, knownSchools: ReadonlySet<string>): SamlAppFormResult {
  const errors: FieldError[] = [];
  const { names, descriptions } = parseNames(form, errors);

  let described: Pick<NewServiceProvider, 'entityId' | 'acs' | 'slo' | 'certificate'> | null;
  if (metadataXml?.trim()) {
    described = fromMetadata(metadataXml, errors);
    if (described) {
      for (const acs of described.acs) checkUrl('metadata', acs.url, errors);
      if (described.slo) checkUrl('metadata', described.slo.url, errors);
    }
  } else {
    const entityId = (form.entityId ?? '').trim();
    if (!entityId) errors.push({ field: 'entityId', message: 'samlEntityIdMissing' });
    else if (entityId.length > 1024 || /\s/.test(entityId)) errors.push({ field: 'entityId', message: 'samlEntityId' });
    const acsUrls = lines(form.acsUrls);
    if (!acsUrls.length) errors.push({ field: 'acsUrls', message: 'samlAcsMissing' });
    else if (acsUrls.length > MAX_ACS) errors.push({ field: 'acsUrls', message: 'tooManyUris', params: { max: MAX_ACS } });
    else for (const url of acsUrls) checkUrl('acsUrls', url, errors);
    const sloUrl = (form.sloUrl ?? '').trim();
    if (sloUrl) checkUrl('sloUrl', sloUrl, errors);
    const binding = form.sloBinding === 'post' ? 'post' : 'redirect';
    described = { entityId, acs: acsUrls.map((url) => ({ url })), slo: sloUrl ? { url: sloUrl, binding } : null, certificate: null };
  }

  const certificateText = (form.certificate ?? '').trim();
  let certificate = described?.certificate ?? null;
  if (certificateText) {
    try {
      certificate = normalizeCertificate(certificateText);
    } catch {
      errors.push({ field: 'certificate', message: 'samlCertificate' });
    }
  } else if (certificate) {
    try {
      certificate = normalizeCertificate(certificate);
    } catch {
      errors.push({ field: 'metadata', message: 'samlCertificate' });
    }
  }

  const nameIdSource = form.nameIdSource as NameIdSource;
  if (!NAME_ID_SOURCES.includes(nameIdSource)) errors.push({ field: 'nameIdSource', message: 'samlNameId' });

  const attributes: Partial<Record<AttributeKey, string>> = {};
  for (const key of ATTRIBUTES) {
    const name = (form[`attr_${key}`] ?? '').trim();
    if (name.length > 256 || /\s/.test(name)) errors.push({ field: `attr_${key}`, message: 'samlAttributeName', params: { max: 256 } });
    else if (name) attributes[key] = name;
  }

  const sign = form.sign as SignChoice;
  if (!SIGN_CHOICES.includes(sign)) errors.push({ field: 'sign', message: 'samlSign' });
  const algorithm = form.signatureAlgorithm ?? '';
  if (algorithm && !SAML_SIGNATURE_ALGORITHMS.includes(algorithm as SignatureAlgorithm)) errors.push({ field: 'signatureAlgorithm', message: 'samlSignatureAlgorithm' });
  const relayState = (form.launchRelayState ?? '').trim();
  if (relayState.length > 80) errors.push({ field: 'launchRelayState', message: 'samlRelayState', params: { max: 80 } });

  const tile = parseTile(form, knownSchools, errors);

  if (errors.length || !described) return { input: null, errors };
  return {
    input: {
      ...described,
      certificate,
      name: defaultNameOf(names),
      names,
      descriptions,
      nameIdSource,
      attributes,
      signAssertion: sign !== 'response',
      signResponse: sign !== 'assertion',
      signatureAlgorithm: (algorithm || null) as SignatureAlgorithm | null,
      launchRelayState: relayState || null,
      ...tile,
    },
    errors,
  };
}

/** The form's values for a new SAML app: the username as NameID, every attribute under its usual name, both signed. */
export function newSamlAppFormValues(preset: { name?: string; nameIdSource?: NameIdSource } = {}): Record<string, string> {
  const form: Record<string, string> = { nameIdSource: preset.nameIdSource ?? 'username', sign: 'both', signatureAlgorithm: '', sloBinding: 'redirect', portal: 'on' };
  if (preset.name) form.name_en = preset.name;
  for (const key of ATTRIBUTES) form[`attr_${key}`] = DEFAULT_ATTRIBUTE_NAMES[key];
  return form;
}

/** The form's values for an existing SAML app (to show it for editing). */
export function samlAppFormValues(provider: ServiceProvider): Record<string, string> {
  const form: Record<string, string> = {
    ...namesAndTileValues(provider),
    entityId: provider.entityId,
    acsUrls: provider.acs.map((a) => a.url).join('\n'),
    sloUrl: provider.slo?.url ?? '',
    sloBinding: provider.slo?.binding ?? 'redirect',
    certificate: provider.certificate ?? '',
    nameIdSource: provider.nameIdSource,
    sign: provider.signAssertion && provider.signResponse ? 'both' : provider.signAssertion ? 'assertion' : 'response',
    signatureAlgorithm: provider.signatureAlgorithm ?? '',
    launchRelayState: provider.launchRelayState ?? '',
  };
  for (const key of ATTRIBUTES) form[`attr_${key}`] = provider.attributes[key] ?? '';
  return form;
}

/** What the audit log keeps of a SAML app (the certificate by its presence: it is public, but long). */
export function describeSamlApp(p: ServiceProvider) {
  return {
    entityId: p.entityId,
    name: p.name,
    names: p.names,
    descriptions: p.descriptions,
    acs: p.acs,
    slo: p.slo,
    signedRequests: Boolean(p.certificate),
    nameIdSource: p.nameIdSource,
    attributes: p.attributes,
    signAssertion: p.signAssertion,
    signResponse: p.signResponse,
    signatureAlgorithm: p.signatureAlgorithm,
    launchRelayState: p.launchRelayState,
    portal: p.portal,
    portalRoles: p.portalRoles,
    portalSchools: p.portalSchools,
    portalGrades: p.portalGrades,
    forYoungStudents: p.forYoungStudents,
    enabled: p.enabled,
  };
}

/**
 * Registering, changing and removing SAML apps, for the console and the CLI alike: each goes through the registry
 * (which validates everything before writing) and is audited with the app before and after.
 */
export class SamlAppAdmin {
  constructor(
    private readonly providers: ServiceProviderRegistry,
    private readonly events: EventBus,
  ) {}

  async create(input: NewServiceProvider, actor: Actor | null, via: 'console' | 'cli'): Promise<ServiceProvider> {
    const provider = await this.providers.register(input);
    await this.events.emit({
      type: 'saml.app_created',
      actorId: actor?.id,
      subjectId: provider.entityId,
      ip: actor?.ip,
      data: { via, before: null, after: describeSamlApp(provider) },
    });
    return provider;
  }

  async update(id: string, input: NewServiceProvider, actor: Actor): Promise<ServiceProvider> {
    const before = await this.existing(id);
    const after = await this.providers.update(id, input);
    await this.events.emit({
      type: 'saml.app_updated',
      actorId: actor.id,
      subjectId: after.entityId,
      ip: actor.ip,
      data: { via: 'console', before: describeSamlApp(before), after: describeSamlApp(after) },
    });
    return after;
  }

  async remove(id: string, actor: Actor | null, via: 'console' | 'cli'): Promise<ServiceProvider> {
    const before = await this.existing(id);
    if (!(await this.providers.remove(id))) throw notFound('SAML_APP_NOT_FOUND');
    await this.events.emit({
      type: 'saml.app_removed',
      actorId: actor?.id,
      subjectId: before.entityId,
      ip: actor?.ip,
      data: { via, before: describeSamlApp(before), after: null },
    });
    return before;
  }

  /** Turns an app off (or on again); audited only when that changes something. */
  async setEnabled(id: string, enabled: boolean, actor: Actor | null, via: 'console' | 'cli'): Promise<{ provider: ServiceProvider; changed: boolean }> {
    const before = await this.existing(id);
    if (before.enabled === enabled) return { provider: before, changed: false };
    const after = await this.providers.setEnabled(id, enabled);
    await this.events.emit({
      type: enabled ? 'saml.app_enabled' : 'saml.app_disabled',
      actorId: actor?.id,
      subjectId: after.entityId,
      ip: actor?.ip,
      data: { via, before: { enabled: before.enabled }, after: { enabled: after.enabled } },
    });
    return { provider: after, changed: true };
  }

  private async existing(id: string): Promise<ServiceProvider> {
    const provider = await this.providers.find(id);
    if (!provider) throw notFound('SAML_APP_NOT_FOUND');
    return provider;
  }
}
