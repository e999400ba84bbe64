import { z } from 'zod';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Parses "90s", "30m", "24h", "14d" or a number of seconds into seconds; null when unreadable. */
export function parseDuration(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : null;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const match = /^(\d+(?:\.\d+)?)\s*([smhd])$/i.exec(text);
  if (!match) return null;
  return Number(match[1]) * UNIT_SECONDS[match[2].toLowerCase()];
}

/** The schemas made by duration(), so that docs/configuration.md can call them durations rather than a union. */
const durationSchemas = new WeakSet<z.ZodType>();

/** A zod type that accepts a duration in any accepted spelling and yields whole seconds. */
export const duration = () => {
  const schema = z.union([z.string(), z.number()]).transform((value, ctx) => {
    const seconds = parseDuration(value);
    if (seconds === null) {
      ctx.addIssue({ code: 'custom', message: 'expected a duration such as "90s", "30m", "24h", "14d" or a number of seconds' });
      return z.NEVER;
    }
    return Math.round(seconds);
  });
  durationSchemas.add(schema);
  return schema;
};

export function isDuration(schema: z.ZodType): boolean {
  return durationSchemas.has(schema);
}

export function formatDuration(seconds: number): string {
  if (seconds % 86400 === 0 && seconds > 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0 && seconds > 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0 && seconds > 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
