import { randomBytes, X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { ROLES, type Role } from '../accounts/account.js';
import { SAML_SIGNATURE_ALGORITHMS } from '../config/schema.js';
import { redirectUriProblem, tileVisibleTo, type RedirectUriProblem, type TileViewer } from '../oidc/clients.js';
import { badRequest, notFound } from '../shared/errors.js';
import { certificateBody, pemCertificate } from './xml.js';

export const NAME_ID_SOURCES = ['username', 'email', 'persistent'] as const;
export type NameIdSource = (typeof NAME_ID_SOURCES)[number];

/** The NameID format each source is sent with. */
export const NAME_ID_FORMATS: Record<NameIdSource, string> = {
  username: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
  email: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  persistent: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
};

/** What an assertion can say about a person; each app maps these to the attribute names it expects (or leaves one out). */
export const ATTRIBUTES = ['uid', 'mail', 'givenName', 'sn', 'displayName', 'eduPersonAffiliation', 'grade', 'school'] as const;
export type AttributeKey = (typeof ATTRIBUTES)[number];

export const DEFAULT_ATTRIBUTE_NAMES: Record<AttributeKey, string> = Object.fromEntries(ATTRIBUTES.map((a) => [a, a])) as Record<AttributeKey, string>;

export type SignatureAlgorithm = (typeof SAML_SIGNATURE_ALGORITHMS)[number];

export interface AssertionConsumerService {
  url: string;
  index: number;
  isDefault: boolean;
}

export interface SingleLogoutService {
  url: string;
  /** Where LogoutResponses go when the app names another address for them. */
  responseUrl: string | null;
  binding: 'redirect' | 'post';
}

/** A SAML app (service provider) registered with Homeroom's identity provider. */
export interface ServiceProvider {
  /** Opaque id used in Homeroom's own URLs (the portal tile). */
  id: string;
  entityId: string;
  name: string;
  names: Record<string, string>;
  descriptions: Record<string, string>;
  /** HTTP-POST assertion consumer services; the default one receives unsolicited responses (portal tiles). */
  acs: AssertionConsumerService[];
  slo: SingleLogoutService | null;
  /** PEM; when set, the app's requests must be signed with it. */
  certificate: string | null;
  nameIdSource: NameIdSource;
  /** Attribute names sent for each attribute; an attribute absent here is not sent. */
  attributes: Partial<Record<AttributeKey, string>>;
  signAssertion: boolean;
  signResponse: boolean;
  /** null: saml.signatureAlgorithm of the configuration. */
  signatureAlgorithm: SignatureAlgorithm | null;
  /** RelayState sent with responses started from the portal tile (some apps use it as the page to open). */
  launchRelayState: string | null;
  portal: boolean;
  portalRoles: Role[] | null;
  portalSchools: string[] | null;
  portalGrades: string[] | null;
  /** A badge or pictures sign-in may open it when the policy keeps such sign-ins to the apps marked for young students. */
  forYoungStudents: boolean;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface ServiceProviderStore {
  insert(provider: ServiceProvider): Promise<void>;
  update(provider: ServiceProvider): Promise<void>;
  list(): Promise<ServiceProvider[]>;
  find(id: string): Promise<ServiceProvider | null>;
  findByEntityId(entityId: string): Promise<ServiceProvider | null>;
  remove(id: string): Promise<boolean>;
  /** Turns an app off or on; false when there is no such app. */
  setEnabled(id: string, enabled: boolean, now: number): Promise<boolean>;
}

const url = z.string().trim().min(1).max(2048);

export const newServiceProviderSchema = z.object({
  entityId: z.string().trim().min(1).max(1024).regex(/^\S+$/, 'no spaces'),
  name: z.string().trim().min(1).max(100),
  names: z.record(z.string(), z.string().trim().min(1).max(100)).default({}),
  descriptions: z.record(z.string(), z.string().trim().min(1).max(300)).default({}),
  acs: z.array(z.object({ url, index: z.number().int().min(0).optional(), isDefault: z.boolean().default(false) })).min(1),
  slo: z
    .object({ url, responseUrl: url.nullable().default(null), binding: z.enum(['redirect', 'post']).default('redirect') })
    .nullable()
    .default(null),
  certificate: z.string().trim().min(1).nullable().default(null),
  nameIdSource: z.enum(NAME_ID_SOURCES).default('username'),
  attributes: z.partialRecord(z.enum(ATTRIBUTES), z.string().trim().min(1).max(256)).default(DEFAULT_ATTRIBUTE_NAMES),
  signAssertion: z.boolean().default(true),
  signResponse: z.boolean().default(true),
  signatureAlgorithm: z.enum(SAML_SIGNATURE_ALGORITHMS).nullable().default(null),
  launchRelayState: z.string().max(80).nullable().default(null),
  portal: z.boolean().default(false),
  portalRoles: z.array(z.enum(ROLES)).min(1).nullable().default(null),
  portalSchools: z.array(z.string().min(1)).min(1).nullable().default(null),
  portalGrades: z.array(z.string().min(1)).min(1).nullable().default(null),
  forYoungStudents: z.boolean().default(false),
});
export type NewServiceProvider = z.input<typeof newServiceProviderSchema>;
type ValidServiceProvider = z.output<typeof newServiceProviderSchema>;

function invalid(field: string, reason: string) {
  return badRequest('INVALID_SAML_APP', 'errors.invalidSamlApp', { field, reason });
}

/** A PEM certificate (or its base64 body) read and written back in one normal form; refused when unreadable. */
export function normalizeCertificate(value: string): string {
  const pem = value.includes('BEGIN CERTIFICATE') ? value : pemCertificate(value);
  try {
    const certificate = new X509Certificate(pem);
    return pemCertificate(certificateBody(certificate.toString()));
  } catch {
    throw invalid('certificate', 'not an X.509 certificate in PEM or base64');
  }
}

/** What is wrong with an ACS or SLO address, if anything. */
export function samlUrlProblem(value: string): Exclude<RedirectUriProblem, 'fragment'> | null {
  const problem = value.length > 2048 ? 'notAbsolute' : redirectUriProblem(value);
  // A fragment is harmless in an ACS or SLO address, but https (or http on loopback) is not negotiable.
  return problem === 'fragment' ? null : problem;
}

function validate(input: unknown): ValidServiceProvider {
  const parsed = newServiceProviderSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(issue.path.join('.'), issue.message);
  }
  const data = parsed.data;
  const urls: [string, string][] = [
    ...data.acs.map((a) => ['acs', a.url] as [string, string]),
    ...(data.slo ? [['slo', data.slo.url] as [string, string]] : []),
    ...(data.slo?.responseUrl ? [['slo', data.slo.responseUrl] as [string, string]] : []),
  ];
  for (const [field, value] of urls) {
    const problem = samlUrlProblem(value);
    if (problem) throw invalid(field, `${value}: ${problem === 'scheme' ? 'must use https (http is allowed only for localhost)' : 'not an absolute URL without wildcards'}`);
  }
  if (data.certificate) data.certificate = normalizeCertificate(data.certificate);
  return data;
}

function toProvider(id: string, data: ValidServiceProvider, state: Pick<ServiceProvider, 'enabled' | 'createdAt' | 'updatedAt'>): ServiceProvider {
  // Indexes as the app numbered them, else in order; exactly one default (the first, unless one is marked).
  const acs = data.acs.map((a, position) => ({ url: a.url, index: a.index ?? position, isDefault: a.isDefault }));
  const defaultAt = Math.max(
    0,
    acs.findIndex((a) => a.isDefault),
  );
  return {
    id,
    entityId: data.entityId,
    name: data.name,
    names: data.names,
    descriptions: data.descriptions,
    acs: acs.map((a, position) => ({ ...a, isDefault: position === defaultAt })),
    slo: data.slo,
    certificate: data.certificate,
    nameIdSource: data.nameIdSource,
    attributes: data.attributes,
    signAssertion: data.signAssertion,
    signResponse: data.signResponse,
    signatureAlgorithm: data.signatureAlgorithm,
    launchRelayState: data.launchRelayState,
    portal: data.portal,
    portalRoles: data.portalRoles,
    portalSchools: data.portalSchools,
    portalGrades: data.portalGrades,
    forYoungStudents: data.forYoungStudents,
    ...state,
  };
}

/** The SAML apps: registration, changes and lookups. The identity provider reads them on every request. */
export class ServiceProviderRegistry {
  constructor(private readonly store: ServiceProviderStore) {}

  async register(input: NewServiceProvider): Promise<ServiceProvider> {
    const data = validate(input);
    if (await this.store.findByEntityId(data.entityId)) throw badRequest('SAML_APP_EXISTS', 'errors.samlAppExists', { entityId: data.entityId });
    const now = Date.now();
    const provider = toProvider(randomBytes(9).toString('base64url'), data, { enabled: true, createdAt: now, updatedAt: now });
    await this.store.insert(provider);
    return provider;
  }

  /** Replaces an app's settings; its id, state and creation date stay. */
  async update(id: string, input: NewServiceProvider): Promise<ServiceProvider> {
    const existing = await this.store.find(id);
    if (!existing) throw notFound('SAML_APP_NOT_FOUND');
    const data = validate(input);
    const other = await this.store.findByEntityId(data.entityId);
    if (other && other.id !== id) throw badRequest('SAML_APP_EXISTS', 'errors.samlAppExists', { entityId: data.entityId });
    const provider = toProvider(id, data, { enabled: existing.enabled, createdAt: existing.createdAt, updatedAt: Date.now() });
    await this.store.update(provider);
    return provider;
  }

  list(): Promise<ServiceProvider[]> {
    return this.store.list();
  }

  find(id: string): Promise<ServiceProvider | null> {
    return this.store.find(id);
  }

  findByEntityId(entityId: string): Promise<ServiceProvider | null> {
    return this.store.findByEntityId(entityId);
  }

  remove(id: string): Promise<boolean> {
    return this.store.remove(id);
  }

  /**
   * A turned-off app keeps its registration and sessions but gets nothing from the identity provider: its requests
   * are refused, its tile and portal launch are gone and a pending sign-in is not answered.
   */
  async setEnabled(id: string, enabled: boolean): Promise<ServiceProvider> {
    if (!(await this.store.setEnabled(id, enabled, Date.now()))) throw notFound('SAML_APP_NOT_FOUND');
    const provider = await this.store.find(id);
    if (!provider) throw notFound('SAML_APP_NOT_FOUND');
    return provider;
  }

  /** SAML apps shown as portal tiles to this person, by the same rules as OIDC apps' tiles. */
  async portalApps(viewer: TileViewer): Promise<ServiceProvider[]> {
    return (await this.store.list()).filter((p) => p.portal && p.enabled && tileVisibleTo(p, viewer));
  }
}

/** The assertion consumer service that gets unsolicited responses (portal tiles). */
export function defaultAcs(provider: ServiceProvider): AssertionConsumerService {
  return provider.acs.find((a) => a.isDefault) ?? provider.acs[0];
}
