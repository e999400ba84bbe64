import { createHash } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Role } from '../accounts/account.js';
import type { AppIcon, ClientRecord, ClientStore } from '../oidc/clients.js';
import type { Sealer } from '../shared/seal.js';
import type { ClientRows } from './client-rows.js';
import type { Database, OidcClientsTable } from './tables.js';
import { namesNothing } from './names-nothing.js';

/** The registration metadata stored as JSON: the fields of it a client record reads. */
interface StoredMetadata {
  redirect_uris?: string[];
  post_logout_redirect_uris?: string[];
  backchannel_logout_uri?: string;
  token_endpoint_auth_method?: string;
  scope?: unknown;
}

function toRecord(row: Selectable<OidcClientsTable>): ClientRecord {
  const metadata = JSON.parse(row.metadata) as StoredMetadata;
  return {
    clientId: row.client_id,
    name: row.name,
    redirectUris: metadata.redirect_uris ?? [],
    postLogoutRedirectUris: metadata.post_logout_redirect_uris ?? [],
    backchannelLogoutUri: metadata.backchannel_logout_uri ?? null,
    public: metadata.token_endpoint_auth_method === 'none',
    portal: row.portal === 1,
    portalRoles: row.portal_roles ? (JSON.parse(row.portal_roles) as Role[]) : null,
    firstParty: row.first_party === 1,
    forYoungStudents: row.for_young_students === 1,
    launchUrl: row.launch_url,
    enabled: row.enabled === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    names: row.names ? JSON.parse(row.names) : {},
    descriptions: row.descriptions ? JSON.parse(row.descriptions) : {},
    scopes: typeof metadata.scope === 'string' ? metadata.scope.split(' ') : null,
    portalSchools: row.portal_schools ? (JSON.parse(row.portal_schools) as string[]) : null,
    portalGrades: row.portal_grades ? (JSON.parse(row.portal_grades) as string[]) : null,
    iconEtag: row.icon_etag,
  };
}

/** The columns an app's settings live in (everything but its id, secret, state and icon). */
function settingsColumns(client: ClientRecord, metadata: Record<string, unknown>) {
  return {
    name: client.name,
    metadata: JSON.stringify(metadata),
    portal: client.portal ? 1 : 0,
    portal_roles: client.portalRoles ? JSON.stringify(client.portalRoles) : null,
    first_party: client.firstParty ? 1 : 0,
    for_young_students: client.forYoungStudents ? 1 : 0,
    launch_url: client.launchUrl,
    names: Object.keys(client.names).length ? JSON.stringify(client.names) : null,
    descriptions: Object.keys(client.descriptions).length ? JSON.stringify(client.descriptions) : null,
    portal_schools: client.portalSchools ? JSON.stringify(client.portalSchools) : null,
    portal_grades: client.portalGrades ? JSON.stringify(client.portalGrades) : null,
    updated_at: client.updatedAt,
  };
}

export class SqlClientStore implements ClientStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly sealer: Sealer,
    private readonly rows: ClientRows,
  ) {}

  async insert(client: ClientRecord, metadata: Record<string, unknown>, secret: string | null): Promise<void> {
    await this.db
      .insertInto('oidc_clients')
      .values({
        ...settingsColumns(client, metadata),
        client_id: client.clientId,
        secret_sealed: secret ? this.sealer.seal(secret) : null,
        enabled: client.enabled ? 1 : 0,
        created_at: client.createdAt,
        icon_etag: null,
      })
      .execute();
    this.rows.forget(client.clientId);
  }

  async update(client: ClientRecord, metadata: Record<string, unknown>): Promise<void> {
    await this.db.updateTable('oidc_clients').set(settingsColumns(client, metadata)).where('client_id', '=', client.clientId).execute();
    this.rows.forget(client.clientId);
  }

  async setEnabled(clientId: string, enabled: boolean): Promise<void> {
    await this.db
      .updateTable('oidc_clients')
      .set({ enabled: enabled ? 1 : 0, updated_at: Date.now() })
      .where('client_id', '=', clientId)
      .execute();
    this.rows.forget(clientId);
  }

  async setSecret(clientId: string, secret: string): Promise<void> {
    await this.db
      .updateTable('oidc_clients')
      .set({ secret_sealed: this.sealer.seal(secret), updated_at: Date.now() })
      .where('client_id', '=', clientId)
      .execute();
    this.rows.forget(clientId);
  }

  async setIcon(clientId: string, icon: { contentType: string; data: Buffer } | null): Promise<string | null> {
    const etag = await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('app_icons').where('client_id', '=', clientId).execute();
      const etag = icon ? createHash('sha256').update(icon.contentType).update(icon.data).digest('base64url').slice(0, 22) : null;
      if (icon && etag) {
        await trx.insertInto('app_icons').values({ client_id: clientId, content_type: icon.contentType, data: icon.data, etag, updated_at: Date.now() }).execute();
      }
      await trx.updateTable('oidc_clients').set({ icon_etag: etag, updated_at: Date.now() }).where('client_id', '=', clientId).execute();
      return etag;
    });
    this.rows.forget(clientId);
    return etag;
  }

  async icon(clientId: string): Promise<AppIcon | null> {
    const row = await this.db.selectFrom('app_icons').select(['content_type', 'data', 'etag']).where('client_id', '=', clientId).executeTakeFirst();
    return row ? { contentType: row.content_type, data: Buffer.from(row.data), etag: row.etag } : null;
  }

  async list(): Promise<ClientRecord[]> {
    const rows = await this.db.selectFrom('oidc_clients').selectAll().orderBy('name').execute();
    return rows.map(toRecord);
  }

  async find(clientId: string): Promise<ClientRecord | null> {
    if (namesNothing(clientId)) return null;
    const row = await this.rows.get(clientId);
    return row ? toRecord(row) : null;
  }

  async remove(clientId: string): Promise<boolean> {
    const removed = await this.db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('oidc_clients').where('client_id', '=', clientId).executeTakeFirst();
      // Tokens and grants issued to a removed app stop working at once.
      await trx
        .deleteFrom('oidc_payloads')
        .where('kind', 'in', ['AccessToken', 'RefreshToken', 'AuthorizationCode', 'Grant'])
        .where('payload', 'like', `%"clientId":${JSON.stringify(clientId)}%`)
        .execute();
      return Number(result.numDeletedRows) === 1;
    });
    this.rows.forget(clientId);
    return removed;
  }
}
