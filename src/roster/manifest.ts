import type { IssueMessage } from './issue-text.js';
import type { RosterSource } from './source.js';
import { readCsv } from './csv.js';
import { ROSTER_FILES, type RosterFile } from './columns.js';

export type ProcessingMode = 'bulk' | 'delta' | 'absent';

export interface Manifest {
  present: boolean;
  version: string | null;
  modes: Record<RosterFile, ProcessingMode>;
  /** Things worth telling the operator (typo'd keys, empty values); never fatal. */
  notes: IssueMessage[];
}

/**
 * Reads manifest.csv. Only `file.<name>` keys Homeroom uses and `oneroster.version` matter; other keys (and typos
 * such as `fiel.demographics`) are ignored. A file listed as absent is not read even if it is there. Without a
 * manifest, or for an empty or unknown value, a file that is present is processed as bulk: that is what the spec
 * implies for a full export, and the mass-disable guard protects against a partial one.
 */
export async function readManifest(source: RosterSource): Promise<Manifest> {
  const present = new Set(source.files().map((f) => f.toLowerCase()));
  const has = (file: RosterFile) => present.has(`${file.toLowerCase()}.csv`);
  const values = new Map<string, string>();
  const notes: IssueMessage[] = [];
  const hasManifest = present.has('manifest.csv');
  if (hasManifest) {
    let header: string[] | null = null;
    for await (const batch of readCsv(await source.open('manifest.csv'))) {
      for (const row of batch.rows) {
        if (!header) {
          header = row.map((h) => h.trim().toLowerCase());
          continue;
        }
        const nameAt = header.indexOf('propertyname');
        const valueAt = header.indexOf('value');
        const name = (row[nameAt >= 0 ? nameAt : 0] ?? '').trim();
        const value = (row[valueAt >= 0 ? valueAt : 1] ?? '').trim();
        if (name) values.set(name.toLowerCase(), value);
      }
    }
  } else {
    notes.push({ code: 'manifestMissing' });
  }
  const modes = {} as Record<RosterFile, ProcessingMode>;
  for (const file of ROSTER_FILES) {
    const raw = values.get(`file.${file.toLowerCase()}`);
    let mode: ProcessingMode;
    if (raw === undefined) {
      mode = has(file) ? 'bulk' : 'absent';
      if (hasManifest && has(file)) notes.push({ code: 'manifestUnlisted', params: { file } });
    } else {
      const value = raw.toLowerCase();
      if (value === 'bulk' || value === 'delta' || value === 'absent') mode = value;
      else {
        mode = has(file) ? 'bulk' : 'absent';
        notes.push({ code: has(file) ? 'manifestBadMode' : 'manifestBadModeAbsent', params: { file, value: raw } });
      }
    }
    if (mode !== 'absent' && !has(file)) {
      notes.push({ code: 'manifestFileMissing', params: { file, mode } });
      mode = 'absent';
    }
    modes[file] = mode;
  }
  return { present: hasManifest, version: values.get('oneroster.version') ?? null, modes, notes };
}
