import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Changed rows waiting for the apply step, on disk. Validation streams millions of rows and decides what changes;
 * keeping those changes in memory would defeat streaming, so they go to a temporary file and are read back in
 * batches inside the apply transaction. Values are joined with ASCII unit/record separators (validation rejects
 * control characters in the data, so they cannot collide); null is written as NUL.
 */
export type SpoolValue = string | number | null;

const FIELD = '\u001f';
const RECORD = '\u001e';
const NULL = '\u0000';

export class SpoolFile {
  private fd: number;
  /** Rows are encoded into this buffer at once, so their strings die young (a long string rope would survive GCs). */
  private buffer = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  private closed = false;
  count = 0;
  constructor(private readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  push(values: readonly SpoolValue[]): void {
    const parts: string[] = new Array(values.length);
    for (let i = 0; i < values.length; i += 1) {
      const value = values[i];
      parts[i] = value === null ? NULL : typeof value === 'string' ? value : String(value);
    }
    const line = parts.join(FIELD) + RECORD;
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.used + line.length * 3 > this.buffer.length) {
      this.flush();
      if (line.length * 3 > this.buffer.length) this.buffer = Buffer.allocUnsafe(line.length * 3);
    }
    this.used += this.buffer.write(line, this.used, 'utf8');
    this.count += 1;
  }

  private flush(): void {
    if (this.used) writeSync(this.fd, this.buffer, 0, this.used);
    this.used = 0;
  }

  finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    closeSync(this.fd);
  }

  /** Reads the rows back, in order, in batches; values come back as strings (or null). */
  *batches(size = 2000): Generator<(string | null)[][]> {
    if (this.count === 0) return;
    const fd = openSync(this.path, 'r');
    const chunk = Buffer.allocUnsafe(4 << 20);
    let rest: Buffer = Buffer.alloc(0);
    let batch: (string | null)[][] = [];
    const decode = (record: string) => record.split(FIELD).map((v) => (v === NULL ? null : v));
    try {
      for (;;) {
        const read = readSync(fd, chunk, 0, chunk.length, null);
        if (read === 0) break;
        // Records end with RECORD, a byte no multi-byte UTF-8 character contains: decode up to the last one only.
        const last = chunk.lastIndexOf(0x1e, read - 1);
        if (last === -1) {
          rest = Buffer.concat([rest, chunk.subarray(0, read)]);
          continue;
        }
        const text = Buffer.concat([rest, chunk.subarray(0, last)]).toString('utf8');
        rest = Buffer.from(chunk.subarray(last + 1, read));
        for (const record of text.split(RECORD)) {
          if (!record) continue;
          batch.push(decode(record));
          if (batch.length >= size) {
            yield batch;
            batch = [];
          }
        }
      }
      if (rest.length) for (const record of rest.toString('utf8').split(RECORD)) if (record) batch.push(decode(record));
      if (batch.length) yield batch;
    } finally {
      closeSync(fd);
    }
  }
}

/** A folder of spool files, removed when the import ends. */
export class Spool {
  readonly dir = mkdtempSync(join(tmpdir(), 'homeroom-roster-'));
  private readonly files = new Map<string, SpoolFile>();
  file(name: string): SpoolFile {
    let file = this.files.get(name);
    if (!file) {
      file = new SpoolFile(join(this.dir, `${name}.spool`));
      this.files.set(name, file);
    }
    return file;
  }
  finish(): void {
    for (const file of this.files.values()) file.finish();
  }
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
