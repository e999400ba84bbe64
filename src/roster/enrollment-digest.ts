/**
 * A user's enrollments summed up: how many rows, the sum of their row hashes and the sum of a non-linear mix of each
 * (so that two changes that cancel out in one sum do not also cancel out in the other), both modulo 2^32. The
 * database sums up the stored rows (DIGEST_SQL, in storage/enrollment-digest-sql.ts) and the planner the file's
 * (FileDigests): a user whose two digests agree has exactly its stored rows in the file (short of one chance in about
 * 2^64), so none of them needs to be looked at one by one, nor held in memory.
 */
export const DIGEST_MODULUS = 4294967296;

/** Two primes below 2^16: the mix of a row hash (below 2^32) is then an exact integer in SQL and in JavaScript alike. */
export const [P, Q] = [65521, 65519];

export const digestMix = (hash: number): number => (hash % P) * (hash % Q);

/** The file's side: per stored user (by StoredUsers handle), the rows read so far, and whether they must be read again. */
export class FileDigests {
  readonly count: Uint32Array;
  readonly sum: Uint32Array;
  readonly mix: Uint32Array;
  /** 1: the user's rows are decided one by one in a second reading (see Planner.readEnrollments). */
  readonly flagged: Uint8Array;

  constructor(users: number) {
    this.count = new Uint32Array(users);
    this.sum = new Uint32Array(users);
    this.mix = new Uint32Array(users);
    this.flagged = new Uint8Array(users);
  }

  add(handle: number, hash: number): void {
    this.count[handle] += 1;
    this.sum[handle] = (this.sum[handle] + hash) % DIGEST_MODULUS;
    this.mix[handle] = (this.mix[handle] + digestMix(hash)) % DIGEST_MODULUS;
  }
}
