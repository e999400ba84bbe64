/**
 * The CLI's roster import, in a thread whose heap is bounded (see cli-import.ts): opens the store and what an import
 * uses from the same configuration as the CLI (through the composition root), imports, and hands back the report.
 * Progress goes to the parent as messages.
 */
import { parentPort, resourceLimits, workerData } from 'node:worker_threads';
import { loadConfig } from '../config/load.js';
import { rosterImportDeps, withRosterImportServices } from '../services.js';
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
  const report = await withRosterImportServices(config, (services) => {
    const deps = rosterImportDeps(services, services.store, {}, { writerThread: true, writerHeapMb: resourceLimits.maxOldGenerationSizeMb });
    return importRoster(deps, path, { ...options, progress });
  });
  port.postMessage({ type: 'report', report });
} catch (error) {
  port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) });
}
