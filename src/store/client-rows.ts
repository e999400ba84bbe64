import type { Kysely, Selectable } from 'kysely';
import { prepared } from './prepared.js';
import type { Database, OidcClientsTable } from './tables.js';

export type ClientRow = Selectable<OidcClientsTable>;

/** How long a process keeps an app's row before reading it again: an app changed on another server is seen within it. */
export const CLIENT_ROW_TTL_MS = 5000;

/**
 * Apps' rows as one sign-in reads them five times (the provider at /auth, on resume and at /token; the sign-in pages
 * for the app's name), kept a few seconds per process. This process's own changes forget the row at once; a change
 * made by another server or the CLI is read within CLIENT_ROW_TTL_MS. An app not found is never kept, so one just
 * registered elsewhere works at its first sign-in.
 */
export class ClientRows {
  private readonly rows = new Map<string, { row: ClientRow; until: number }>();
  /** Bumped by forget(): a read that started before a change must not keep what it read. */
  private generation = 0;
  private readonly select;

  constructor(
    db: Kysely<Database>,
    private readonly ttlMs = CLIENT_ROW_TTL_MS,
    private readonly maxRows = 1000,
  ) {
    this.select = prepared(db, ['id'], (p) => db.selectFrom('oidc_clients').selectAll().where('client_id', '=', p.id));
  }

  async get(clientId: string, now = Date.now()): Promise<ClientRow | undefined> {
    const kept = this.rows.get(clientId);
    if (kept && kept.until > now) return kept.row;
    const generation = this.generation;
    const row = (await this.select({ id: clientId })).rows[0];
    if (row && generation === this.generation) {
      if (this.rows.size >= this.maxRows) this.rows.clear();
      this.rows.set(clientId, { row, until: now + this.ttlMs });
    } else this.rows.delete(clientId);
    return row;
  }

  forget(clientId: string): void {
    this.generation += 1;
    this.rows.delete(clientId);
  }
}
