import { hash32 } from './hash.js';
import { KeyIndex, type KeyIndexParts } from './key-index.js';

/** A third hash of a sourcedId, independent of the index's two: tells apart ids whose 64-bit key hashes agree. */
const checkOf = (id: string) => hash32(id, 0x2545f491);

export interface IdTableParts {
  index: KeyIndexParts;
  overflow: [string, number, number][];
}

/**
 * sourcedId → a 32-bit value and 8 bits of flags (bit 0: "seen"), for a state's million users: typed arrays (a
 * KeyIndex, about 21 bytes an id, outside the JavaScript heap) instead of a Map of strings (about 90 bytes an id, which
 * the garbage collector walks again and again). The index's row-id slot holds a third hash of the id, so two ids
 * whose 64-bit hashes agree (about one chance in ten million at a million ids) are told apart: the second is kept in
 * a small Map. The ids themselves are not kept.
 */
export class IdTable {
  protected readonly index: KeyIndex;
  private readonly overflow = new Map<string, number>(); // id → position in overflowList
  private readonly overflowList: { value: number; flags: number }[] = [];

  constructor(expected = 1024, index?: KeyIndex) {
    this.index = index ?? new KeyIndex(expected);
  }

  protected load(parts: IdTableParts): void {
    for (const [id, value, flags] of parts.overflow) this.addOverflow(id, value, flags);
  }

  /** The table's arrays and the buffers to transfer with them (see KeyIndex.parts). */
  protected tableParts(): { parts: IdTableParts; transfer: ArrayBuffer[] } {
    const { parts, transfer } = this.index.parts();
    const overflow = [...this.overflow].map(([id, at]) => [id, this.overflowList[at].value, this.overflowList[at].flags] as [string, number, number]);
    return { parts: { index: parts, overflow }, transfer };
  }

  get size(): number {
    return this.index.size + this.overflow.size;
  }

  /** Adds an id that find() does not know. */
  add(id: string, value: number, flags: number): void {
    if (this.index.find(id) < 0) this.index.add(id, value, checkOf(id), flags);
    else this.addOverflow(id, value, flags);
  }

  private addOverflow(id: string, value: number, flags: number): void {
    this.overflow.set(id, this.overflowList.length);
    this.overflowList.push({ value, flags });
  }

  /** A handle on the id's entry (≥ 0 in the index, ≤ -2 in the overflow), or -1 when the id is not in the table. */
  find(id: string): number {
    if (this.overflow.size) {
      const at = this.overflow.get(id);
      if (at !== undefined) return -2 - at;
    }
    const slot = this.index.find(id);
    return slot >= 0 && this.index.rowIdAt(slot) === checkOf(id) ? slot : -1;
  }

  valueAt(handle: number): number {
    return handle >= 0 ? this.index.contentAt(handle) : this.overflowList[-2 - handle].value;
  }

  setValue(handle: number, value: number): void {
    if (handle >= 0) this.index.setContent(handle, value);
    else this.overflowList[-2 - handle].value = value;
  }

  flagsAt(handle: number): number {
    return handle >= 0 ? this.index.flagsAt(handle) : this.overflowList[-2 - handle].flags;
  }

  addFlags(handle: number, flags: number): void {
    if (handle >= 0) this.index.setFlags(handle, this.index.flagsAt(handle) | flags);
    else this.overflowList[-2 - handle].flags |= flags;
  }

  /** Entries whose flags, masked, equal `value`. */
  count(mask: number, value: number): number {
    let n = this.index.count(mask, value);
    for (const entry of this.overflowList) if ((entry.flags & mask) === value) n += 1;
    return n;
  }
}
