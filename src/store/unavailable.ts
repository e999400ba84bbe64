/**
 * Whether an error means the database cannot be reached or cannot serve right now (restarting, down, out of
 * connections, a lock held for too long), as opposed to a bug or bad data. Such a request is worth retrying in a
 * moment, and the pool reconnects by itself once the database is back, so it is answered 503, not 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    // PostgreSQL: connection exceptions (08…), operator intervention (57P01 admin shutdown, 57P02 crash shutdown,
    // 57P03 cannot connect now: starting up or shutting down), too many connections (53300).
    if (/^08/.test(code) || /^57P0[1-3]$/.test(code) || code === '53300') return true;
    // The network below pg.
    if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) return true;
    // SQLite: the file is locked past busy_timeout, the disk is full or failing.
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_FULL' || code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_IOERR')) return true;
  }
  // pg reports a dropped or timed-out connection with a plain Error and no code.
  if (typeof message === 'string' && /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/.test(message)) return true;
  // AggregateError from a connection attempt to every address of a host name.
  const errors = (error as { errors?: unknown }).errors;
  return Array.isArray(errors) && errors.length > 0 && errors.every(isDatabaseUnavailable);
}
