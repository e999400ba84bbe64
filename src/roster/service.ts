import type { Services } from '../services.js';
import type { Store } from '../store/database.js';
import { SqlRosterStore } from '../store/roster-repo.js';
import type { RosterImportDeps } from './import.js';

/** The importer's dependencies from the services (optionally on a store of its own, as the server's watcher uses). */
export function rosterImportDeps(services: Services, store: Store = services.store, overrides: { claimDelay?: number } = {}): RosterImportDeps {
  return {
    store: new SqlRosterStore(store),
    events: services.events,
    settings: { ...services.config.roster, ...overrides },
  };
}
