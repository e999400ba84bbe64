import type { Kysely, Selectable } from 'kysely';
import type { Role } from '../accounts/account.js';
import type { ClientRecord, ClientStore } from '../oidc/clients.js';
import type { Sealer } from '../shared/seal.js';
import type { Database, OidcClientsTable } from './tables.js';

function toRecord(row: Selectable<OidcClientsTable>): ClientRecord {
  const metadata = JSON.parse(row.metadata) as Record<string, any>;
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
    launchUrl: row.launch_url,
    enabled: row.enabled === 1,
    createdAt: row.created_at,
  };
}

export class SqlClientStore implements ClientStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly sealer: Sealer,
  ) {}

  async insert(client: ClientRecord, metadata: Record<string, unknown>, secret: string | null): Promise<void> {
    await this.db
      .insertInto('oidc_clients')
      .values({
        client_id: client.clientId,
        name: client.name,
        metadata: JSON.stringify(metadata),
        secret_sealed: secret ? this.sealer.seal(secret) : null,
        portal: client.portal ? 1 : 0,
        portal_roles: client.portalRoles ? JSON.stringify(client.portalRoles) : null,
        first_party: client.firstParty ? 1 : 0,
        launch_url: client.launchUrl,
        enabled: client.enabled ? 1 : 0,
        created_at: client.createdAt,
        updated_at: client.createdAt,
      })
      .execute();
  }

  async list(): Promise<ClientRecord[]> {
    const rows = await this.db.selectFrom('oidc_clients').selectAll().orderBy('name').execute();
    return rows.map(toRecord);
  }

  async find(clientId: string): Promise<ClientRecord | null> {
    const row = await this.db.selectFrom('oidc_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async remove(clientId: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('oidc_clients').where('client_id', '=', clientId).executeTakeFirst();
      // Tokens and grants issued to a removed app stop working at once.
      await trx
        .deleteFrom('oidc_payloads')
        .where('kind', 'in', ['AccessToken', 'RefreshToken', 'AuthorizationCode', 'Grant'])
        .where('payload', 'like', `%"clientId":${JSON.stringify(clientId)}%`)
        .execute();
      return Number(result.numDeletedRows) === 1;
    });
  }
}
