import type { Kysely, Selectable } from 'kysely';
import type { ServiceProvider, ServiceProviderStore } from '../saml/service-providers.js';
import type { Database, SamlServiceProvidersTable } from './tables.js';

type Settings = Omit<ServiceProvider, 'id' | 'entityId' | 'name' | 'portal' | 'forYoungStudents' | 'enabled' | 'createdAt' | 'updatedAt'>;

function toProvider(row: Selectable<SamlServiceProvidersTable>): ServiceProvider {
  const settings = JSON.parse(row.settings) as Settings;
  return {
    ...settings,
    id: row.id,
    entityId: row.entity_id,
    name: row.name,
    portal: row.portal === 1,
    forYoungStudents: row.for_young_students === 1,
    enabled: row.enabled === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function columns(provider: ServiceProvider) {
  const { id: _id, entityId, name, portal, forYoungStudents, enabled, createdAt: _created, updatedAt, ...settings } = provider;
  return {
    entity_id: entityId,
    name,
    settings: JSON.stringify(settings),
    portal: portal ? 1 : 0,
    for_young_students: forYoungStudents ? 1 : 0,
    enabled: enabled ? 1 : 0,
    updated_at: updatedAt,
  };
}

export class SqlServiceProviderStore implements ServiceProviderStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(provider: ServiceProvider): Promise<void> {
    await this.db
      .insertInto('saml_service_providers')
      .values({ ...columns(provider), id: provider.id, created_at: provider.createdAt })
      .execute();
  }

  async update(provider: ServiceProvider): Promise<void> {
    await this.db.updateTable('saml_service_providers').set(columns(provider)).where('id', '=', provider.id).execute();
  }

  async list(): Promise<ServiceProvider[]> {
    const rows = await this.db.selectFrom('saml_service_providers').selectAll().orderBy('name').execute();
    return rows.map(toProvider);
  }

  async find(id: string): Promise<ServiceProvider | null> {
    const row = await this.db.selectFrom('saml_service_providers').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toProvider(row) : null;
  }

  async findByEntityId(entityId: string): Promise<ServiceProvider | null> {
    const row = await this.db.selectFrom('saml_service_providers').selectAll().where('entity_id', '=', entityId).executeTakeFirst();
    return row ? toProvider(row) : null;
  }

  async setEnabled(id: string, enabled: boolean, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('saml_service_providers')
      .set({ enabled: enabled ? 1 : 0, updated_at: now })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async remove(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('saml_service_providers').where('id', '=', id).executeTakeFirst();
      // Its sessions and remembered request IDs go with it: nothing is owed to an app that is gone.
      await trx.deleteFrom('saml_sessions').where('provider_id', '=', id).execute();
      await trx.deleteFrom('saml_request_ids').where('provider_id', '=', id).execute();
      return Number(result.numDeletedRows) === 1;
    });
  }
}
