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
}

/**
 * The roster users stored before an import: sourcedId → row hash and flags, compact (see IdTable). The few ids an
 * import needs back (the users a bulk file leaves out) are read from the database.
 */
export class StoredUsers extends IdTable {
  /** Users whose account is active. */
  active = 0;

  static fromParts(parts: StoredUsersParts): StoredUsers {
    const users = new StoredUsers(0, KeyIndex.fromParts(parts.index));
    users.load(parts);
    users.active = parts.active;
    return users;
  }

  parts(): { parts: StoredUsersParts; transfer: ArrayBuffer[] } {
    const { parts, transfer } = this.tableParts();
    return { parts: { ...parts, active: this.active }, transfer };
  }

  override add(id: string, rowHash: number, flags: number): void {
    if (!(flags & USER_DISABLED)) this.active += 1;
    super.add(id, rowHash, flags);
  }

  hashAt(handle: number): number {
    return this.valueAt(handle);
  }

  /** Active users that this import's users.csv neither listed nor rejected: those a bulk file disables. */
  countAbsent(): number {
    return this.count(USER_SEEN | USER_REJECTED | USER_DISABLED, 0);
  }

  isAbsent(handle: number): boolean {
    return handle !== -1 && (this.flagsAt(handle) & (USER_SEEN | USER_REJECTED | USER_DISABLED)) === 0;
  }
}
