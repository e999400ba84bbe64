import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type { Database } from './tables.js';

/**
 * A query Kysely builds and compiles once, then runs with new values: building and compiling a query costs more CPU
 * than running a small one on SQLite, and a sign-in runs dozens. `build` receives a placeholder for each named
 * parameter and may use them only where Kysely takes a value (never inside an expression computed in JavaScript);
 * other values in it are constants of the query.
 */
export function prepared<Name extends string, Row>(
  db: Kysely<Database>,
  names: readonly Name[],
  // never: a placeholder fits wherever the query takes a value of any column's type.
  build: (p: Record<Name, never>) => Compilable<Row>,
): (values: Record<Name, unknown>) => Promise<{ rows: Row[]; numAffectedRows?: bigint }> {
  const marks = new Map(names.map((name) => [`\u0000${name}\u0000`, name]));
  const compiled = build(Object.fromEntries([...marks].map(([mark, name]) => [name, mark])) as unknown as Record<Name, never>).compile();
  const slots = compiled.parameters.map((value) => ({ name: typeof value === 'string' ? (marks.get(value) ?? null) : null, value }));
  return (values) =>
    db.executeQuery(
      CompiledQuery.raw(
        compiled.sql,
        slots.map((slot) => (slot.name === null ? slot.value : values[slot.name])),
      ) as CompiledQuery<Row>,
    );
}
