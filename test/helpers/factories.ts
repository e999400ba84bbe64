import { randomBytes } from 'node:crypto';
import type { NewAccount } from '../../src/accounts/account.js';
import { PasswordHasher, type HashParams } from '../../src/accounts/passwords.js';
import { EventBus, type DomainEvent } from '../../src/events/bus.js';
import { Sealer } from '../../src/shared/seal.js';
import { createLogger } from '../../src/shared/log.js';
import { migrateToLatest, openStore, type Store } from '../../src/store/database.js';
import { freshDatabase, type Engine, type TestDatabase } from './server.js';

/** argon2id at its cheapest accepted cost: for tests that do not care about the parameters. */
export const CHEAP_HASH: HashParams = { memoryCost: 8192, timeCost: 1, parallelism: 1 };

export function cheapHasher(): PasswordHasher {
  return new PasswordHasher(CHEAP_HASH);
}

let sequence = 0;

/** A unique, valid username such as `t4f2a1b0007`. */
export function uniqueUsername(prefix = 't'): string {
  sequence += 1;
  return `${prefix}${randomBytes(3).toString('hex')}${String(sequence).padStart(4, '0')}`;
}

/** A student account with sensible defaults; override any field. */
export function newAccount(overrides: Partial<NewAccount> = {}): NewAccount {
  return {
    username: uniqueUsername('s'),
    givenName: 'Ana',
    familyName: 'Lopez',
    email: null,
    studentId: null,
    grade: '7',
    roles: ['student'],
    schools: [],
    passwordHash: null,
    ...overrides,
  };
}

export function testSealer(): Sealer {
  return new Sealer(randomBytes(32).toString('base64'));
}

export interface MigratedStore {
  database: TestDatabase;
  store: Store;
  /** Closes the store and drops the database. */
  close(): Promise<void>;
}

/** A fresh database on `engine`, opened and migrated. */
export async function migratedStore(engine: Engine): Promise<MigratedStore> {
  const database = await freshDatabase(engine);
  const store = await openStore(database.options);
  await migrateToLatest(store, database.options.schema);
  return {
    database,
    store,
    async close() {
      await store.close();
      await database.drop();
    },
  };
}

/** An event bus whose events are collected in `events` (in emission order). */
export function collectingBus(): { bus: EventBus; events: (DomainEvent & { at: number })[] } {
  const bus = new EventBus(createLogger('silent'));
  const events: (DomainEvent & { at: number })[] = [];
  bus.subscribe((event) => {
    events.push(event);
  });
  return { bus, events };
}
