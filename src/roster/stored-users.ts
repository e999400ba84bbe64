import { IdTable, type IdTableParts } from './id-table.js';
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
}

const LINE = 0;
const GROUP = 1;


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

  constructor(expected = 1024, index?: KeyIndex) {
    super(expected, index, 2);
  }

  static fromParts(parts: StoredUsersParts): StoredUsers {
    const users = new StoredUsers(0, KeyIndex.fromParts(parts.index));
    users.load(parts);
    users.active = parts.active;
    for (const group of parts.groups) users.groupNumber(group);
    return users;
  }

  parts(): { parts: StoredUsersParts; transfer: ArrayBuffer[] } {
    const { parts, transfer } = this.tableParts();
    return { parts: { ...parts, active: this.active, groups: this.groups }, transfer };
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
   * Adds a stored user: its row hash, flags, line hash (see Planner: the hash of its users.csv line in its context,
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

  /** Active users that this import's users.csv neither listed nor rejected: those a bulk file disables. */
  countAbsent(): number {
    return this.count(USER_SEEN | USER_REJECTED | USER_DISABLED, 0);
  }

  isAbsent(handle: number): boolean {
    return handle !== -1 && (this.flagsAt(handle) & (USER_SEEN | USER_REJECTED | USER_DISABLED)) === 0;
  }
}
