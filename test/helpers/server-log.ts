import type { DestinationStream } from '../../src/shared/log.js';

const KEPT = 20;
const errors: string[] = [];

/**
 * Where the in-process test servers log. The error page never shows what went wrong, so the last errors are kept
 * here for a failing test to print beside the 500 page. TEST_LOG_LEVEL also prints every line.
 */
export const serverLog: DestinationStream = {
  write(line: string) {
    if (process.env.TEST_LOG_LEVEL) process.stdout.write(line);
    const entry = JSON.parse(line) as { level: number; time: number; msg?: string; path?: string; err?: { type?: string; message?: string; stack?: string } };
    if (entry.level < 50) return;
    const where = entry.path ? ` ${entry.path}` : '';
    const stack = entry.err?.stack?.split('\n').slice(0, 10).join('\n') ?? entry.err?.message ?? '';
    errors.push(`${new Date(entry.time).toISOString()}${where}: ${entry.msg ?? ''}\n${stack}`);
    if (errors.length > KEPT) errors.shift();
  },
};

/** The errors the test servers logged lately, for the message of a failing test. */
export function recentServerErrors(): string {
  return errors.length ? `\nerrors logged by the test servers, oldest first:\n${errors.join('\n')}` : '\n(no errors logged by the test servers)';
}

export const TEST_SERVER_LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'error';
