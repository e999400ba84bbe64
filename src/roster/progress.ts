/** Progress of a long import: a bar on a terminal, plain log lines otherwise, nothing in tests. */
export interface Progress {
  phase(name: string): void;
  rows(count: number): void;
  done(): void;
}

export const silentProgress: Progress = { phase() {}, rows() {}, done() {} };

function rate(rows: number, ms: number): string {
  return ms > 0 ? `${Math.round((rows * 1000) / ms).toLocaleString('en-US')} rows/s` : '';
}

/** Redraws one line at most ten times a second: rows read, rows per second, phase. */
export function terminalProgress(stream: NodeJS.WriteStream, totalRows?: number): Progress {
  const started = Date.now();
  let phase = 'starting';
  let rows = 0;
  let last = 0;
  const draw = (force = false) => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    const width = 24;
    const share = totalRows ? Math.min(1, rows / totalRows) : 0;
    const bar = totalRows ? `[${'#'.repeat(Math.round(share * width)).padEnd(width, '.')}] ` : '';
    stream.write(`\r\x1b[K${bar}${rows.toLocaleString('en-US')} rows  ${rate(rows, now - started)}  ${phase}`);
  };
  return {
    phase(name) {
      phase = name;
      draw(true);
    },
    rows(count) {
      rows += count;
      draw();
    },
    done() {
      draw(true);
      stream.write('\n');
    },
  };
}

/** One line per phase, and one every 10 seconds during long phases: for logs and pipes. */
export function lineProgress(write: (line: string) => void): Progress {
  const started = Date.now();
  let rows = 0;
  let last = started;
  return {
    phase(name) {
      write(`roster import: ${name} (${rows} rows read so far, ${rate(rows, Date.now() - started)})`);
    },
    rows(count) {
      rows += count;
      const now = Date.now();
      if (now - last >= 10_000) {
        last = now;
        write(`roster import: ${rows} rows read, ${rate(rows, now - started)}`);
      }
    },
    done() {
      write(`roster import: done, ${rows} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    },
  };
}
