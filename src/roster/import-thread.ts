/**
 * The CLI's roster import, in a thread whose heap is bounded (see cli-import.ts): opens the store from the same
 * configuration as the CLI, with only what an import needs (audited events, the console's policies), imports, and
 * hands back the report. Progress goes to the parent as messages.
 */
import { parentPort, resourceLimits, workerData } from 'node:worker_threads';
import { loadConfig } from '../config/load.js';
import { auditedEvents } from '../events/audited.js';
import { PolicyService } from '../policies/policy-service.js';
import { rosterImportDeps } from '../services.js';
import { createLogger } from '../shared/log.js';
import { withMigratedStore } from '../store/database.js';
import { SqlPolicyStore } from '../store/policies-repo.js';
import { importRoster, type ImportOptions } from './import.js';
import type { Progress } from './progress.js';

const { path, options } = workerData as { path: string; options: Omit<ImportOptions, 'progress'> };
const port = parentPort!;
const progress: Progress = {
  phase: (name) => port.postMessage({ type: 'phase', name }),
  rows: (count) => port.postMessage({ type: 'rows', count }),
  done: () => port.postMessage({ type: 'done' }),
};

// Read back from the thread itself: what the operator sees is the bound actually in force.
progress.phase(`starting, heap bounded to ${resourceLimits.maxOldGenerationSizeMb} MB`);
try {
  const config = loadConfig(process.env);
  const report = await withMigratedStore(config, async (store) => {
    const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
    const { events } = auditedEvents(store, log);
    const policies = new PolicyService(config, new SqlPolicyStore(store.db), events, log);
    await policies.refresh();
    const deps = rosterImportDeps({ config, events, policies, store }, store, {}, { writerThread: true, writerHeapMb: resourceLimits.maxOldGenerationSizeMb });
    return importRoster(deps, path, { ...options, progress });
  });
  port.postMessage({ type: 'report', report });
} catch (error) {
  port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) });
}
