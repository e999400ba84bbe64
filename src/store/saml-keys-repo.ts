import { sql, type Kysely } from 'kysely';
import type { SamlKey, SamlKeyStore } from '../saml/keys.js';
import type { Engine } from './database.js';
import type { Database } from './tables.js';

export class SqlSamlKeys implements SamlKeyStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
  ) {}

  async all(): Promise<SamlKey[]> {
    const rows = await this.db.selectFrom('saml_signing_keys').selectAll().orderBy('active_from', 'desc').execute();
    return rows.map((r) => ({ kid: r.kid, privateKey: r.private_key, certificate: r.certificate, createdAt: Number(r.created_at), activeFrom: Number(r.active_from) }));
  }

  async insertIfNone(key: SamlKey): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (this.engine === 'postgres') await sql`lock table saml_signing_keys in exclusive mode`.execute(trx);
      const any = await trx.selectFrom('saml_signing_keys').select('kid').limit(1).executeTakeFirst();
      if (!any) await trx.insertInto('saml_signing_keys').values(row(key)).execute();
    });
  }

  async add(key: SamlKey): Promise<void> {
    await this.db.insertInto('saml_signing_keys').values(row(key)).execute();
  }

  async remove(kids: string[]): Promise<void> {
    await this.db.deleteFrom('saml_signing_keys').where('kid', 'in', kids).execute();
  }
}

function row(key: SamlKey) {
  return { kid: key.kid, private_key: key.privateKey, certificate: key.certificate, created_at: key.createdAt, active_from: key.activeFrom };
}
