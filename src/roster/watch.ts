import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ImportReport } from './import.js';

export interface RosterWatcher {
  /** Looks once, now (tests; the timer calls it too). Resolves when the entries found are imported. */
  poll(): Promise<void>;
  stop(): Promise<void>;
}

const SKIP = new Set(['done', 'failed']);

/** Size and modification time of a file, or of everything in a folder: an entry still being copied keeps changing. */
function signature(path: string): string {
  const stat = statSync(path);
  if (!stat.isDirectory()) return `${stat.size}:${stat.mtimeMs}`;
  return readdirSync(path)
    .map((name) => {
      const s = statSync(join(path, name));
      return `${name}:${s.size}:${s.mtimeMs}`;
    })
    .join('|');
}

/**
 * roster.watchDir: the running server looks in a folder for OneRoster zips or folders dropped there (by the SIS's
 * nightly export job, say), imports each one, then moves it to done/ or failed/ with `<name>.report.json` beside it.
 * An entry is imported only once it has stopped changing between two looks, so a half-copied file is left alone.
 * One import at a time; errors are logged, never thrown.
 */
export function startRosterWatcher(options: { dir: string; intervalMs: number; log: Logger; runImport: (path: string) => Promise<ImportReport> }): RosterWatcher {
  const { dir, log } = options;
  mkdirSync(join(dir, 'done'), { recursive: true });
  mkdirSync(join(dir, 'failed'), { recursive: true });
  const seen = new Map<string, string>();
  let running: Promise<void> | null = null;

  const importOne = async (name: string) => {
    const path = join(dir, name);
    let report: ImportReport | null = null;
    let failure: string | null = null;
    try {
      report = await options.runImport(path);
    } catch (error) {
      failure = (error as Error).message;
    }
    const ok = report?.status === 'applied';
    const target = join(dir, ok ? 'done' : 'failed');
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const base = existsSync(join(target, name)) ? `${stamp}-${name}` : name;
    renameSync(path, join(target, base));
    writeFileSync(join(target, `${base}.report.json`), `${JSON.stringify(report ?? { status: 'failed', message: failure }, null, 2)}\n`);
    log[ok ? 'info' : 'warn']({ roster: base, status: report?.status ?? 'failed', message: report?.message ?? failure }, 'roster.watchDir import');
  };

  const look = async () => {
    try {
      const names = readdirSync(dir).filter((name) => !SKIP.has(name) && !name.startsWith('.') && (name.toLowerCase().endsWith('.zip') || statSync(join(dir, name)).isDirectory()));
      for (const name of names.sort()) {
        const now = signature(join(dir, name));
        if (seen.get(name) !== now) {
          seen.set(name, now); // new, or changed since the last look: wait for the next one
          continue;
        }
        seen.delete(name);
        await importOne(name);
      }
    } catch (error) {
      log.error({ err: error }, 'roster.watchDir poll failed');
    }
  };
  const poll = (): Promise<void> => {
    running ??= look().finally(() => {
      running = null;
    });
    return running;
  };

  const timer = setInterval(() => void poll(), options.intervalMs);
  timer.unref();
  return {
    poll,
    async stop() {
      clearInterval(timer);
      if (running) await running;
    },
  };
}
