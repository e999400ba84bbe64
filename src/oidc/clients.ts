import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ROLES, type Role } from '../accounts/account.js';
import { badRequest, notFound } from '../shared/errors.js';
import { FIRST_PARTY } from './first-party.js';

export interface ClientRecord {
  clientId: string;
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUri: string | null;
  public: boolean;
  portal: boolean;
  /** Roles that see the app's tile in the portal; null: everyone. */
  portalRoles: Role[] | null;
  firstParty: boolean;
  /** A badge or pictures sign-in may open it when the policy keeps such sign-ins to the apps marked for young students. */
  forYoungStudents: boolean;
  launchUrl: string | null;
  enabled: boolean;
  createdAt: number;
  /** The tile's name and description per language ({"en": …, "fr": …}); `name` is the fallback. */
  names: Record<string, string>;
  descriptions: Record<string, string>;
  /** Scopes the app may request; null: every scope Homeroom offers. Enforced by the provider (client `scope`). */
  scopes: string[] | null;
  /** Schools (ids) and grades whose people see the tile; null: everyone. */
  portalSchools: string[] | null;
  portalGrades: string[] | null;
  /** Version of the uploaded icon (changes with every upload); null: no icon. */
  iconEtag: string | null;
  updatedAt: number;
}

export interface AppIcon {
  contentType: string;
  data: Buffer;
  etag: string;
}

export interface ClientStore {
  insert(client: ClientRecord, metadata: Record<string, unknown>, secret: string | null): Promise<void>;
  /** Replaces an app's settings; the secret is kept. */
  update(client: ClientRecord, metadata: Record<string, unknown>): Promise<void>;
  setEnabled(clientId: string, enabled: boolean): Promise<void>;
  setSecret(clientId: string, secret: string): Promise<void>;
  list(): Promise<ClientRecord[]>;
  find(clientId: string): Promise<ClientRecord | null>;
  remove(clientId: string): Promise<boolean>;
  /** Stores (or with null, removes) the app's icon and returns its new version. */
  setIcon(clientId: string, icon: { contentType: string; data: Buffer } | null): Promise<string | null>;
  icon(clientId: string): Promise<AppIcon | null>;
}

/** Scopes an app can be allowed to request (`openid` always). */
export const CLIENT_SCOPES = ['openid', 'profile', 'email', 'roles', 'school', 'offline_access'] as const;
export type ClientScope = (typeof CLIENT_SCOPES)[number];

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export type RedirectUriProblem = 'notAbsolute' | 'wildcard' | 'fragment' | 'scheme';

const REDIRECT_URI_PROBLEMS: Record<RedirectUriProblem, string> = {
  notAbsolute: 'not an absolute URL',
  wildcard: 'wildcards are not allowed',
  fragment: 'fragments are not allowed',
  scheme: 'must use https (http is allowed only for localhost)',
};

/** https, except on loopback for development; never a wildcard or a fragment (OAuth 2.0 Security BCP). */
export function redirectUriProblem(value: string): RedirectUriProblem | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'notAbsolute';
  }
  if (value.includes('*')) return 'wildcard';
  if (url.hash || value.includes('#')) return 'fragment';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return null;
  return 'scheme';
}

/** The same check, explained in English (the CLI's messages). */
export function checkRedirectUri(value: string): string | null {
  const problem = redirectUriProblem(value);
  return problem ? REDIRECT_URI_PROBLEMS[problem] : null;
}

export const newClientSchema = z.object({
  name: z.string().trim().min(1).max(100),
  redirectUris: z.array(z.string()).min(1),
  postLogoutRedirectUris: z.array(z.string()).default([]),
  backchannelLogoutUri: z.string().nullable().default(null),
  public: z.boolean().default(false),
  portal: z.boolean().default(false),
  portalRoles: z.array(z.enum(ROLES)).min(1).nullable().default(null),
  firstParty: z.boolean().default(false),
  forYoungStudents: z.boolean().default(false),
  launchUrl: z.string().nullable().default(null),
  names: z.record(z.string(), z.string().trim().min(1).max(100)).default({}),
  descriptions: z.record(z.string(), z.string().trim().min(1).max(300)).default({}),
  scopes: z.array(z.enum(CLIENT_SCOPES)).nullable().default(null),
  portalSchools: z.array(z.string().min(1)).min(1).nullable().default(null),
  portalGrades: z.array(z.string().min(1)).min(1).nullable().default(null),
  /** Fixed ids are for built-in clients (the portal, the demo app); everything else gets a random one. */
  clientId: z
    .string()
    .regex(/^[A-Za-z0-9._-]{3,100}$/)
    .optional(),
  clientSecret: z.string().min(32).optional(),
});
export type NewClient = z.input<typeof newClientSchema>;

export class ClientRegistry {
  constructor(private readonly store: ClientStore) {}

  /**
   * Registers an app. `builtIn` is for Homeroom's own apps, whose URIs follow the issuer (which may be plain http on a
   * private network) rather than the rules for district-registered apps.
   */
  async register(input: NewClient, options: { builtIn?: boolean } = {}): Promise<{ client: ClientRecord; clientSecret: string | null }> {
    const data = validate(input, options);
    const clientId = data.clientId ?? randomBytes(12).toString('base64url');
    if (await this.store.find(clientId)) throw badRequest('CLIENT_EXISTS', 'errors.clientExists', { clientId });
    const clientSecret = data.public ? null : (data.clientSecret ?? newSecret());
    const now = Date.now();
    const client = toRecord(clientId, data, { enabled: true, createdAt: now, updatedAt: now, iconEtag: null });
    await this.store.insert(client, metadataOf(client), clientSecret);
    return { client, clientSecret };
  }

  /**
   * Replaces an app's settings (not its id, type or secret). oidc-provider reads clients from the store on every
   * lookup, so the change applies to the next request without a restart.
   */
  async update(clientId: string, input: Omit<NewClient, 'clientId' | 'clientSecret' | 'public'>, options: { builtIn?: boolean } = {}): Promise<ClientRecord> {
    const existing = await this.store.find(clientId);
    if (!existing) throw notFound('CLIENT_NOT_FOUND');
    const data = validate({ ...input, public: existing.public }, options);
    const client = toRecord(clientId, data, { enabled: existing.enabled, createdAt: existing.createdAt, updatedAt: Date.now(), iconEtag: existing.iconEtag });
    await this.store.update(client, metadataOf(client));
    return client;
  }

  async setEnabled(clientId: string, enabled: boolean): Promise<void> {
    await this.store.setEnabled(clientId, enabled);
  }

  /** A new secret for a confidential app: the old one stops working at once. Returns the new one (shown once). */
  async rotateSecret(clientId: string): Promise<string> {
    const existing = await this.store.find(clientId);
    if (!existing) throw notFound('CLIENT_NOT_FOUND');
    if (existing.public) throw badRequest('PUBLIC_CLIENT', 'errors.publicClientNoSecret');
    const secret = newSecret();
    await this.store.setSecret(clientId, secret);
    return secret;
  }

  setIcon(clientId: string, icon: { contentType: string; data: Buffer } | null): Promise<string | null> {
    return this.store.setIcon(clientId, icon);
  }

  icon(clientId: string): Promise<AppIcon | null> {
    return this.store.icon(clientId);
  }

  /** Registers a built-in app, or re-registers it when its URIs changed (the issuer moved). */
  async ensureBuiltIn(input: NewClient & { clientId: string }): Promise<void> {
    const existing = await this.store.find(input.clientId);
    const same =
      existing &&
      JSON.stringify(existing.redirectUris) === JSON.stringify(input.redirectUris) &&
      JSON.stringify(existing.postLogoutRedirectUris) === JSON.stringify(input.postLogoutRedirectUris ?? []) &&
      existing.backchannelLogoutUri === (input.backchannelLogoutUri ?? null) &&
      existing.launchUrl === (input.launchUrl ?? null);
    if (same) return;
    // The issuer moved: follow it, keeping what an administrator set (names, descriptions, icon, who sees the tile).
    if (existing) {
      await this.update(
        input.clientId,
        {
          ...input,
          name: existing.name,
          names: existing.names,
          descriptions: existing.descriptions,
          portal: existing.portal,
          portalRoles: existing.portalRoles,
          portalSchools: existing.portalSchools,
          portalGrades: existing.portalGrades,
          forYoungStudents: existing.forYoungStudents,
        },
        { builtIn: true },
      );
      return;
    }
    await this.register(input, { builtIn: true });
  }

  list(): Promise<ClientRecord[]> {
    return this.store.list();
  }

  find(clientId: string): Promise<ClientRecord | null> {
    return this.store.find(clientId);
  }

  remove(clientId: string): Promise<boolean> {
    return this.store.remove(clientId);
  }

  /**
   * Apps shown as tiles in the portal for this person: every filter the app sets (roles, schools, grades) must match.
   * The grade filter concerns people who have a grade (students); staff pass it and are chosen by role and school.
   */
  async portalApps(viewer: Role[] | TileViewer): Promise<ClientRecord[]> {
    const person: TileViewer = Array.isArray(viewer) ? { roles: viewer, schoolIds: null, grade: null } : viewer;
    const all = await this.store.list();
    return all.filter((c) => c.portal && c.enabled && tileVisibleTo(c, person));
  }
}

export interface TileViewer {
  roles: readonly Role[];
  /** null: unknown (schools are then not checked). */
  schoolIds: readonly string[] | null;
  grade: string | null;
}

/** Grades compare without leading zeros or case: "05", "5" and " 5 " are one grade. */
export function gradeKey(grade: string): string {
  return grade
    .trim()
    .toLowerCase()
    .replace(/^0+(?=.)/, '');
}

export function tileVisibleTo(client: Pick<ClientRecord, 'portalRoles' | 'portalSchools' | 'portalGrades'>, person: TileViewer): boolean {
  if (client.portalRoles && !client.portalRoles.some((r) => person.roles.includes(r))) return false;
  if (client.portalSchools && person.schoolIds && !client.portalSchools.some((s) => person.schoolIds!.includes(s))) return false;
  if (client.portalGrades && person.grade !== null && !client.portalGrades.some((g) => gradeKey(g) === gradeKey(person.grade!))) return false;
  return true;
}

type ValidClient = z.output<typeof newClientSchema>;

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

function validate(input: unknown, options: { builtIn?: boolean }): ValidClient {
  const parsed = newClientSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badRequest('INVALID_CLIENT', 'errors.invalidClient', { field: issue.path.join('.'), reason: issue.message });
  }
  const data = parsed.data;
  const uris: [string, string][] = [
    ...data.redirectUris.map((u) => ['redirect_uri', u] as [string, string]),
    ...data.postLogoutRedirectUris.map((u) => ['post_logout_redirect_uri', u] as [string, string]),
    ...(data.backchannelLogoutUri ? [['backchannel_logout_uri', data.backchannelLogoutUri] as [string, string]] : []),
    ...(data.launchUrl ? [['launch_url', data.launchUrl] as [string, string]] : []),
  ];
  for (const [field, uri] of options.builtIn ? [] : uris) {
    const problem = checkRedirectUri(uri);
    if (problem) throw badRequest('INVALID_CLIENT', 'errors.invalidClient', { field, reason: `${uri}: ${problem}` });
  }
  return data;
}

function toRecord(clientId: string, data: ValidClient, state: { enabled: boolean; createdAt: number; updatedAt: number; iconEtag: string | null }): ClientRecord {
  return {
    clientId,
    name: data.name,
    redirectUris: data.redirectUris,
    postLogoutRedirectUris: data.postLogoutRedirectUris,
    backchannelLogoutUri: data.backchannelLogoutUri,
    public: data.public,
    portal: data.portal,
    portalRoles: data.portalRoles,
    firstParty: data.firstParty,
    forYoungStudents: data.forYoungStudents,
    launchUrl: data.launchUrl,
    names: data.names,
    descriptions: data.descriptions,
    // openid is always allowed: without it there is no sign-in.
    scopes: data.scopes ? [...new Set(['openid', ...data.scopes])] : null,
    portalSchools: data.portalSchools,
    portalGrades: data.portalGrades,
    ...state,
  };
}

/** The oidc-provider client metadata of an app. */
function metadataOf(client: ClientRecord): Record<string, unknown> {
  return {
    [FIRST_PARTY]: client.firstParty,
    client_id: client.clientId,
    client_name: client.name,
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: client.public ? 'none' : 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
    ...(client.scopes ? { scope: client.scopes.join(' ') } : {}),
    ...(client.backchannelLogoutUri ? { backchannel_logout_uri: client.backchannelLogoutUri, backchannel_logout_session_required: true } : {}),
  };
}

/** Where a tile sends the person: the app's launch URL, or its site's root. */
export function launchUrlOf(client: ClientRecord): string {
  return client.launchUrl ?? new URL(client.redirectUris[0]).origin + '/';
}
