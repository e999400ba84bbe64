import type { Kysely } from 'kysely';

/**
 * An index on throttle_counters.window_start: the periodic purge of ended windows finds them without reading every
 * counter (an attack from many addresses leaves one counter per address).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('throttle_counters_window_start').on('throttle_counters').column('window_start').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('throttle_counters_window_start').execute();
}
