import { createReadStream, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';

/**
 * Where a OneRoster set comes from: a folder or a zip. Files are found by name without regard to case
 * (`userprofiles.csv` is `userProfiles.csv`) and, in a zip, in any folder (exports often wrap the files in one).
 * Entries are streamed: nothing is read whole into memory.
 */
export interface RosterSource {
  readonly path: string;
  /** The file names present, as written. */
  files(): string[];
  /** Size in bytes of a file (uncompressed), to size indexes and show progress. */
  size(name: string): number;
  open(name: string): Promise<Readable>;
  close(): Promise<void>;
}

const key = (name: string) => basename(name).toLowerCase();

class FolderSource implements RosterSource {
  private readonly byKey = new Map<string, string>();
  constructor(readonly path: string) {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (entry.isFile()) this.byKey.set(key(entry.name), entry.name);
    }
  }
  files(): string[] {
    return [...this.byKey.values()];
  }
  private resolve(name: string): string {
    const found = this.byKey.get(key(name));
    if (!found) throw new Error(`${name} is not in ${this.path}`);
    return join(this.path, found);
  }
  size(name: string): number {
    return statSync(this.resolve(name)).size;
  }
  async open(name: string): Promise<Readable> {
    return createReadStream(this.resolve(name), { highWaterMark: 1 << 20 });
  }
  async close(): Promise<void> {}
}

class ZipSource implements RosterSource {
  private constructor(
    readonly path: string,
    private readonly zip: yauzl.ZipFile,
    private readonly byKey: Map<string, yauzl.Entry>,
  ) {}

  static async open(path: string): Promise<ZipSource> {
    const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
      yauzl.open(path, { lazyEntries: true, autoClose: false }, (error, opened) => (error ? reject(error) : resolve(opened!))),
    );
    const byKey = new Map<string, yauzl.Entry>();
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) => {
        const name = entry.fileName;
        // Folders, macOS resource forks and dot files are not data.
        if (!name.endsWith('/') && !name.includes('__MACOSX/') && !basename(name).startsWith('.')) {
          const k = key(name);
          const existing = byKey.get(k);
          // The shallowest copy wins when a zip holds the same name twice.
          if (!existing || existing.fileName.split('/').length > name.split('/').length) byKey.set(k, entry);
        }
        zip.readEntry();
      });
      zip.once('end', () => resolve());
      zip.once('error', reject);
      zip.readEntry();
    });
    return new ZipSource(path, zip, byKey);
  }

  files(): string[] {
    return [...this.byKey.values()].map((e) => basename(e.fileName));
  }
  private entry(name: string): yauzl.Entry {
    const found = this.byKey.get(key(name));
    if (!found) throw new Error(`${name} is not in ${this.path}`);
    return found;
  }
  size(name: string): number {
    return this.entry(name).uncompressedSize;
  }
  open(name: string): Promise<Readable> {
    const entry = this.entry(name);
    return new Promise((resolve, reject) => this.zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream!))));
  }
  async close(): Promise<void> {
    this.zip.close();
  }
}

export async function openRosterSource(path: string): Promise<RosterSource> {
  const stat = statSync(path);
  if (stat.isDirectory()) return new FolderSource(path);
  return ZipSource.open(path);
}
