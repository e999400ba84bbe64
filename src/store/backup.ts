import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import SQLite from 'better-sqlite3';

export interface BackupResult {
  file: string;
  bytes: number;
  pages: number;
  ms: number;
}

/**
 * Copies a live SQLite database with SQLite's online backup API: a consistent snapshot, taken while Homeroom goes on
 * serving (in WAL mode the copy only reads, so sign-ins keep writing). The copy is written beside the target and
 * renamed once checked, so the target is never a half-written file.
 */
export async function backupSqlite(source: string, target: string): Promise<BackupResult> {
  if (!existsSync(source)) throw new Error(`no SQLite database at ${source}`);
  const started = performance.now();
  const partial = `${target}.partial`;
  rmSync(partial, { force: true });
  const db = new SQLite(source, { readonly: true, fileMustExist: true });
  try {
    // All remaining pages in one step: between steps another process's write would restart the copy from the first
    // page, and under a steady load a copy in small steps might never finish.
    const { totalPages } = await db.backup(partial, { progress: () => 0x7fffffff });
    const copy = new SQLite(partial);
    try {
      const check = copy.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(`the copy failed its check: ${String(check)}`);
      // A single self-contained file: no write-ahead log beside it.
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    renameSync(partial, target);
    return { file: target, bytes: statSync(target).size, pages: totalPages, ms: Math.round(performance.now() - started) };
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    db.close();
  }
}
