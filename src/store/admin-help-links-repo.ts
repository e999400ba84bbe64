import type { Kysely, Selectable } from 'kysely';
import type { Role } from '../accounts/account.js';
import type { HelpLinkStore, StoredHelpLink } from '../admin/ports.js';
import type { Database, HelpLinksTable } from './tables.js';

function toLink(row: Selectable<HelpLinksTable>): StoredHelpLink {
  return {
    id: row.id,
    title: JSON.parse(row.title) as Record<string, string>,
    url: row.url,
    roles: row.roles ? (JSON.parse(row.roles) as Role[]) : null,
    showOnLogin: row.show_on_login === 1,
    position: Number(row.position),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function columns(link: StoredHelpLink) {
  return {
    title: JSON.stringify(link.title),
    url: link.url,
    roles: link.roles ? JSON.stringify(link.roles) : null,
    show_on_login: link.showOnLogin ? 1 : 0,
    position: link.position,
    updated_at: link.updatedAt,
  };
}

export class SqlHelpLinkStore implements HelpLinkStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list(): Promise<StoredHelpLink[]> {
    const rows = await this.db.selectFrom('help_links').selectAll().orderBy('position').orderBy('created_at').execute();
    return rows.map(toLink);
  }

  async find(id: string): Promise<StoredHelpLink | null> {
    const row = await this.db.selectFrom('help_links').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toLink(row) : null;
  }

  async insert(link: StoredHelpLink): Promise<void> {
    await this.db
      .insertInto('help_links')
      .values({ id: link.id, created_at: link.createdAt, ...columns(link) })
      .execute();
  }

  async update(link: StoredHelpLink): Promise<void> {
    await this.db.updateTable('help_links').set(columns(link)).where('id', '=', link.id).execute();
  }

  async remove(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('help_links').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}
