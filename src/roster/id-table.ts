import { hash32 } from './hash.js';
import { KeyIndex, type KeyIndexParts } from './key-index.js';

/** A third hash of a sourcedId, independent of the index's two: tells apart ids whose 64-bit key hashes agree. */
const checkOf = (id: string) => hash32(id, 0x2545f491);

export interface IdTableParts {
  index: KeyIndexParts;
  overflow: [string, number, number, number[]][];
}

/**
 * sourcedId → a 32-bit value and 8 bits of flags (bit 0: "seen"), for a state's million users: typed arrays (a
 * KeyIndex, about 22 bytes an id, outside the JavaScript heap) instead of a Map of strings (about 90 bytes an id, which
 * the garbage collector walks again and again). The index's row-id slot holds a third hash of the id, so two ids
 * whose 64-bit hashes agree (about one chance in ten million at a million ids) are told apart: the second is kept in
 * a small Map. The ids themselves are not kept.
 */
export class IdTable {
  protected readonly index: KeyIndex;
  private readonly overflow = new Map<string, number>(); // id → position in overflowList
  private readonly overflowList: { value: number; flags: number; lanes: number[] }[] = [];

  /** `lanes`: further 32-bit values per id (see laneAt). */
  constructor(expected = 1024, index?: KeyIndex, lanes = 0) {
    this.index = index ?? new KeyIndex(expected, lanes);
  }

  protected load(parts: IdTableParts): void {
    for (const [id, value, flags, lanes] of parts.overflow) this.addOverflow(id, value, flags, lanes);
  }

  /** The table's arrays and the buffers to transfer with them (see KeyIndex.parts). */
  protected tableParts(): { parts: IdTableParts; transfer: ArrayBuffer[] } {
    const { parts, transfer } = this.index.parts();
    const overflow = [...this.overflow].map(([id, at]) => {
      const entry = this.overflowList[at];
      return [id, entry.value, entry.flags, entry.lanes] as [string, number, number, number[]];
    });
    return { parts: { index: parts, overflow }, transfer };
  }

  /** Gives the table's memory back at once; it must not be used afterwards (see KeyIndex.release). */
  release(): Promise<void> {
    return this.index.release();
  }

  /** Makes room for `n` ids at once (see KeyIndex.reserve). */
  reserve(n: number): void {
    this.index.reserve(n);
  }

  get size(): number {
    return this.index.size + this.overflow.size;
  }

  /** Adds an id that find() does not know, with its lanes' values (0 for those not given). */
  add(id: string, value: number, flags: number, lanes: readonly number[] = []): void {
    if (this.index.find(id) < 0) {
      this.index.add(id, value, checkOf(id), flags);
      const slot = this.index.addedSlot;
      for (let lane = 0; lane < lanes.length; lane += 1) this.index.setLane(lane, slot, lanes[lane]);
    } else this.addOverflow(id, value, flags, [...lanes]);
  }

  private addOverflow(id: string, value: number, flags: number, lanes: number[]): void {
    this.overflow.set(id, this.overflowList.length);
    this.overflowList.push({ value, flags, lanes });
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

  laneAt(handle: number, lane: number): number {
    return handle >= 0 ? this.index.laneAt(lane, handle) : (this.overflowList[-2 - handle].lanes[lane] ?? 0);
  }

  setLane(handle: number, lane: number, value: number): void {
    if (handle >= 0) this.index.setLane(lane, handle, value);
    else this.overflowList[-2 - handle].lanes[lane] = value;
  }

  /** Handles 0 to entries - 1 are those in the index (the others, the overflow's, are negative). */
  get entries(): number {
    return this.index.size;
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
