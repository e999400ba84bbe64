import type { Services } from '../services.js';
import type { Store } from '../store/database.js';
import { SqlRosterStore, type SqlRosterStoreOptions } from './storage/sql-roster-store.js';
import type { RosterImportDeps } from './import.js';

/**
 * The importer's dependencies from the services (optionally on a store of its own, as the server's watcher uses).
 * The claim delay an administrator set in the console (policies) wins over the configuration file. The CLI writes
 * in a thread of its own (see SqlRosterStoreOptions).
 */
export function rosterImportDeps(
  services: Pick<Services, 'config' | 'events' | 'policies' | 'store'>,
  store: Store = services.store,
  overrides: { claimDelay?: number } = {},
  options: SqlRosterStoreOptions = {},
): RosterImportDeps {
  const claimDelay = services.policies?.current().claimDelay ?? services.config.roster.claimDelay;
  return {
    store: new SqlRosterStore(store, options),
    events: services.events,
    settings: { ...services.config.roster, claimDelay, ...overrides },
  };
}
