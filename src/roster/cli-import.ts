import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config/load.js';
import { rosterImportDeps, withCommandServices } from '../services.js';
import { importRoster, type ImportOptions, type ImportReport } from './import.js';
import type { Progress } from './progress.js';

const THREAD_URL = new URL('./import-thread.mjs', import.meta.url);

type Message = { type: 'phase'; name: string } | { type: 'rows'; count: number } | { type: 'done' } | { type: 'report'; report: ImportReport } | { type: 'error'; message: string };

/**
 * `homeroom roster import`: in this thread, or, with roster.importMemory set, in a thread whose heap (and the writer
 * thread's) is bounded: a hard limit for an operator who wants one (an import that needs more stops, nothing changed).
 * Either way the import streams and keeps its large tables outside the heap (typed arrays), and its heaps are
 * collected early (see collectEarly); the README's configuration table has the figures of `npm run bench:import`.
 */
export function cliImport(config: Config, path: string, options: Omit<ImportOptions, 'progress'>, progress: Progress): Promise<ImportReport> {
  collectEarly();
  const memory = config.roster.importMemory;
  if (memory) return importInThread(path, options, progress, memory);
  return withCommandServices(config, (services) => importRoster(rosterImportDeps(services, services.store, {}, { writerThread: true }), path, { ...options, progress }));
}

function importInThread(path: string, options: Omit<ImportOptions, 'progress'>, progress: Progress, heapMb: number): Promise<ImportReport> {
  const worker = new Worker(THREAD_URL, { workerData: { path, options }, resourceLimits: { maxOldGenerationSizeMb: heapMb } });
  return new Promise((resolve, reject) => {
    let outcome: { report: ImportReport } | { error: Error } | null = null;
    worker.on('message', (message: Message) => {
      switch (message.type) {
        case 'phase':
          return progress.phase(message.name);
        case 'rows':
          return progress.rows(message.count);
        case 'done':
          return progress.done();
        case 'report':
          outcome = { report: message.report };
          return;
        case 'error':
          outcome = { error: new Error(message.message) };
      }
    });
    worker.on('error', (error: Error & { code?: string }) => {
      outcome ??= {
        error:
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new Error(`the import needed more memory than roster.importMemory allows (${heapMb} MB): nothing was changed; raise it and import again`)
            : error,
      };
    });
    worker.on('exit', (code) => {
      if (outcome && 'report' in outcome) resolve(outcome.report);
      else reject(outcome?.error ?? new Error(`the import thread stopped (exit code ${code})`));
    });
  });
}

/**
 * This process only imports: its heaps are collected once they grow by half what the last full collection kept,
 * rather than by up to four times, V8's choice when collecting is quick. The planner keeps about 50 MB alive at a
 * million students but allocates gigabytes of rows, so its heap went from about 50 to 200 MB between collections
 * (users.csv at a million students: peak RSS 550–600 MB, 451 MB so, in the same time). The flag is read at each
 * full collection, so it holds from now on; the server, which imports from roster.watchDir, keeps V8's default.
 */
function collectEarly(): void {
  setFlagsFromString('--heap-growing-percent=50');
}
