import { IdTable, type IdTableParts } from './id-table.js';
import { DIGEST_MODULUS } from './enrollment-digest.js';
import { KeyIndex } from './key-index.js';

/** Flags of a stored user (bit 0 is KeyIndex's "seen": the user is in this import's users.csv). */
export const USER_SEEN = 1;
export const USER_DISABLED = 2;
export const USER_DISABLED_BY_ROSTER = 4;
/** In users.csv, but its row was rejected: neither changed nor absent. */
export const USER_REJECTED = 8;

export interface StoredUsersParts extends IdTableParts {
  active: number;
  groups: string[];
  enrollments: { loaded: boolean; orphans: string[] };
}

const LINE = 0;
const GROUP = 1;
const ENROLLED = 2;
const ENROLLED_SUM = 3;
const ENROLLED_MIX = 4;

/**
 * The roster users stored before an import: sourcedId → row hash and flags, compact (see IdTable). The few ids an
 * import needs back (the users a bulk file leaves out) are read from the database.
 */
export class StoredUsers extends IdTable {
  /** Users whose account is active. */
  active = 0;
  /**
   * What stored users' rows led to, as `enabled|role|orgIds` (the file's enabled flag, the role the username template
   * was chosen by, the orgs in file order; see USER_GROUP_SQL): users share a few hundred of these, each kept once. A
   * user's lane holds its group's position here plus one (0: unknown).
   */
  private readonly groups: string[] = [];
  private readonly groupNumbers = new Map<string, number>();
  /**
   * Whether each user's stored enrollments are summed up in its lanes (see addEnrollmentDigest), and the users that
   * stored enrollments name but that are not stored roster users (none, unless the database was edited by hand).
   */
  enrollments = { loaded: false, orphans: [] as string[] };

  constructor(expected = 1024, index?: KeyIndex) {
    super(expected, index, 5);
  }

  static fromParts(parts: StoredUsersParts): StoredUsers {
    const users = new StoredUsers(0, KeyIndex.fromParts(parts.index));
    users.load(parts);
    users.active = parts.active;
    users.enrollments = parts.enrollments;
    for (const group of parts.groups) users.groupNumber(group);
    return users;
  }

  parts(): { parts: StoredUsersParts; transfer: ArrayBuffer[] } {
    const { parts, transfer } = this.tableParts();
    return { parts: { ...parts, active: this.active, groups: this.groups, enrollments: this.enrollments }, transfer };
  }

  private groupNumber(group: string): number {
    let n = this.groupNumbers.get(group);
    if (n === undefined) {
      this.groups.push(group);
      n = this.groups.length;
      this.groupNumbers.set(group, n);
    }
    return n;
  }

  /**
   * Adds a stored user: its row hash, flags, line hash (see UserPlanner: the hash of its users.csv line in its context,
   * 0 when unknown) and group (see groups).
   */
  addUser(id: string, rowHash: number, flags: number, lineHash = 0, group: string | null = null): void {
    this.add(id, rowHash, flags, [lineHash, group === null ? 0 : this.groupNumber(group)]);
  }

  override add(id: string, rowHash: number, flags: number, lanes: readonly number[] = []): void {
    if (!(flags & USER_DISABLED)) this.active += 1;
    super.add(id, rowHash, flags, lanes);
  }

  hashAt(handle: number): number {
    return this.valueAt(handle);
  }

  lineHashAt(handle: number): number {
    return this.laneAt(handle, LINE);
  }

  /** The user's group (see groups), or null when unknown. */
  groupAt(handle: number): string | null {
    const n = this.laneAt(handle, GROUP);
    return n ? this.groups[n - 1] : null;
  }

  /** The number of the user's group (0: unknown), to cache what is derived from it. */
  groupNumberAt(handle: number): number {
    return this.laneAt(handle, GROUP);
  }

  /**
   * Records a user's stored enrollments as summed up by the database (see enrollment-digest.ts): how many, and their
   * two sums. A user id that is not a stored user is kept as an orphan.
   */
  addEnrollmentDigest(userId: string, count: number, sum: number, mix: number): void {
    const handle = this.find(userId);
    if (handle === -1) {
      this.enrollments.orphans.push(userId);
      return;
    }
    this.setLane(handle, ENROLLED, count);
    this.setLane(handle, ENROLLED_SUM, sum % DIGEST_MODULUS);
    this.setLane(handle, ENROLLED_MIX, mix % DIGEST_MODULUS);
  }

  /** Whether the file's digest of a user's enrollments equals that of its stored ones. */
  enrollmentsMatch(handle: number, count: number, sum: number, mix: number): boolean {
    return this.laneAt(handle, ENROLLED) === count && this.laneAt(handle, ENROLLED_SUM) === sum && this.laneAt(handle, ENROLLED_MIX) === mix;
  }

  enrollmentCountAt(handle: number): number {
    return this.laneAt(handle, ENROLLED);
  }

  /** Active users that this import's users.csv neither listed nor rejected: those a bulk file disables. */
  countAbsent(): number {
    return this.count(USER_SEEN | USER_REJECTED | USER_DISABLED, 0);
  }

  isAbsent(handle: number): boolean {
    return handle !== -1 && (this.flagsAt(handle) & (USER_SEEN | USER_REJECTED | USER_DISABLED)) === 0;
  }
}
