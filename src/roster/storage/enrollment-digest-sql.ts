import { P, Q } from '../enrollment-digest.js';

/** Stored enrollments by user, summed up as the planner does (`count`, `sum`, `mix` per user_id). */
export const DIGEST_SQL = `SELECT user_id, count(*) AS count, sum(row_hash) AS sum, sum((row_hash % ${P}) * (row_hash % ${Q})) AS mix FROM roster_enrollments`;
