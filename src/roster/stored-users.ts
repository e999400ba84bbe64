import { hash32 } from './hash.js';
import { KeyIndex, type KeyIndexParts } from './key-index.js';

/** Flags of a stored user (bit 0 is KeyIndex's "seen": the user is in this import's users.csv). */
export const USER_SEEN = 1;
export const USER_DISABLED = 2;
export const USER_DISABLED_BY_ROSTER = 4;
/** In users.csv, but its row was rejected: neither changed nor absent. */
export const USER_REJECTED = 8;

/** A third hash of a sourcedId, independent of the index's two: tells apart ids whose 64-bit key hashes agree. */
const checkOf = (id: string) => hash32(id, 0x2545f491);

export interface StoredUsersParts {
  index: KeyIndexParts;
  overflow: [string, number, number][];
  active: number;
}

/**
 * The roster users stored before an import: sourcedId → row hash and flags. A state's million users fit in typed
 * arrays (a KeyIndex: about 21 bytes a user, outside the JavaScript heap) instead of a Map of strings (about 90 bytes
 * a user, which the garbage collector walks again and again). The index's row-id slot holds a third hash of the
 * sourcedId, so two ids whose 64-bit hashes agree (about one chance in ten million at a million users) are told
 * apart: the second is kept in a small Map. The ids themselves are not kept; the few an import needs (the users a
 * bulk file leaves out) are read back from the database.
 */
export class StoredUsers {
  private readonly index: KeyIndex;
  private readonly overflow = new Map<string, number>(); // sourcedId → position in overflowList
  private readonly overflowList: { hash: number; flags: number }[] = [];
  /** Users whose account is active. */
  active = 0;

  constructor(expected = 1024, index?: KeyIndex) {
    this.index = index ?? new KeyIndex(expected);
  }

  static fromParts(parts: StoredUsersParts): StoredUsers {
    const users = new StoredUsers(0, KeyIndex.fromParts(parts.index));
    for (const [id, hash, flags] of parts.overflow) users.addOverflow(id, hash, flags);
    users.active = parts.active;
    return users;
  }

  /** The table's arrays and the buffers to transfer with them (see KeyIndex.parts). */
  parts(): { parts: StoredUsersParts; transfer: ArrayBuffer[] } {
    const { parts, transfer } = this.index.parts();
    const overflow = [...this.overflow].map(([id, at]) => [id, this.overflowList[at].hash, this.overflowList[at].flags] as [string, number, number]);
    return { parts: { index: parts, overflow, active: this.active }, transfer };
  }

  get size(): number {
    return this.index.size + this.overflow.size;
  }

  add(id: string, rowHash: number, flags: number): void {
    if (!(flags & USER_DISABLED)) this.active += 1;
    if (this.index.find(id) < 0) this.index.add(id, rowHash, checkOf(id), flags);
    else this.addOverflow(id, rowHash, flags);
  }

  private addOverflow(id: string, hash: number, flags: number): void {
    this.overflow.set(id, this.overflowList.length);
    this.overflowList.push({ hash, flags });
  }

  /** A handle on the user's entry (≥ 0 in the index, ≤ -2 in the overflow), or -1 when the user is not stored. */
  find(id: string): number {
    if (this.overflow.size) {
      const at = this.overflow.get(id);
      if (at !== undefined) return -2 - at;
    }
    const slot = this.index.find(id);
    return slot >= 0 && this.index.rowIdAt(slot) === checkOf(id) ? slot : -1;
  }

  hashAt(handle: number): number {
    return handle >= 0 ? this.index.contentAt(handle) : this.overflowList[-2 - handle].hash;
  }

  flagsAt(handle: number): number {
    return handle >= 0 ? this.index.flagsAt(handle) : this.overflowList[-2 - handle].flags;
  }

  addFlags(handle: number, flags: number): void {
    if (handle >= 0) this.index.setFlags(handle, this.index.flagsAt(handle) | flags);
    else this.overflowList[-2 - handle].flags |= flags;
  }

  /** Active users that this import's users.csv neither listed nor rejected: those a bulk file disables. */
  countAbsent(): number {
    const mask = USER_SEEN | USER_REJECTED | USER_DISABLED;
    let n = this.index.count(mask, 0);
    for (const entry of this.overflowList) if ((entry.flags & mask) === 0) n += 1;
    return n;
  }

  isAbsent(handle: number): boolean {
    return handle !== -1 && (this.flagsAt(handle) & (USER_SEEN | USER_REJECTED | USER_DISABLED)) === 0;
  }
}
