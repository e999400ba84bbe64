import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ROLES, type Role } from '../accounts/account.js';
import { badRequest } from '../shared/errors.js';
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
  launchUrl: string | null;
  enabled: boolean;
  createdAt: number;
}

export interface ClientStore {
  insert(client: ClientRecord, metadata: Record<string, unknown>, secret: string | null): Promise<void>;
  list(): Promise<ClientRecord[]>;
  find(clientId: string): Promise<ClientRecord | null>;
  remove(clientId: string): Promise<boolean>;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** https, except on loopback for development; never a wildcard or a fragment (OAuth 2.0 Security BCP). */
export function checkRedirectUri(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not an absolute URL';
  }
  if (value.includes('*')) return 'wildcards are not allowed';
  if (url.hash || value.includes('#')) return 'fragments are not allowed';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return null;
  return 'must use https (http is allowed only for localhost)';
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
  launchUrl: z.string().nullable().default(null),
  /** Fixed ids are for built-in clients (the portal, the demo app); everything else gets a random one. */
  clientId: z.string().regex(/^[A-Za-z0-9._-]{3,100}$/).optional(),
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

    const clientId = data.clientId ?? randomBytes(12).toString('base64url');
    if (await this.store.find(clientId)) throw badRequest('CLIENT_EXISTS', 'errors.clientExists', { clientId });
    const clientSecret = data.public ? null : (data.clientSecret ?? randomBytes(32).toString('base64url'));
    const metadata: Record<string, unknown> = {
      [FIRST_PARTY]: data.firstParty,
      client_id: clientId,
      client_name: data.name,
      redirect_uris: data.redirectUris,
      post_logout_redirect_uris: data.postLogoutRedirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: data.public ? 'none' : 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
      ...(data.backchannelLogoutUri
        ? { backchannel_logout_uri: data.backchannelLogoutUri, backchannel_logout_session_required: true }
        : {}),
    };
    const client: ClientRecord = {
      clientId,
      name: data.name,
      redirectUris: data.redirectUris,
      postLogoutRedirectUris: data.postLogoutRedirectUris,
      backchannelLogoutUri: data.backchannelLogoutUri,
      public: data.public,
      portal: data.portal,
      portalRoles: data.portalRoles,
      firstParty: data.firstParty,
      launchUrl: data.launchUrl,
      enabled: true,
      createdAt: Date.now(),
    };
    await this.store.insert(client, metadata, clientSecret);
    return { client, clientSecret };
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
    if (existing) await this.store.remove(input.clientId);
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

  /** Apps shown as tiles in the portal for someone with these roles. */
  async portalApps(roles: Role[]): Promise<ClientRecord[]> {
    const all = await this.store.list();
    return all.filter((c) => c.portal && c.enabled && (!c.portalRoles || c.portalRoles.some((r) => roles.includes(r))));
  }
}

/** Where a tile sends the person: the app's launch URL, or its site's root. */
export function launchUrlOf(client: ClientRecord): string {
  return client.launchUrl ?? new URL(client.redirectUris[0]).origin + '/';
}
