import { hash32, hash32b } from './hash.js';

/** A KeyIndex's arrays, to hand it to another thread without copying (see KeyIndex.fromParts). */
export interface KeyIndexParts {
  size: number;
  hi: Uint32Array;
  lo: Uint32Array;
  content: Uint32Array;
  rowIds: Uint32Array;
  flags: Uint8Array;
  lanes: Uint32Array[];
}

/**
 * A compact hash set of string keys for millions of rows (enrollments at state scale: 8 million; a state's users), in
 * typed arrays: 17 bytes a slot instead of the ~90 bytes a JavaScript Map spends on each string key. Keys are stored
 * as a 64-bit hash (at most 80 % full: about 170 MB for eight million); two different keys sharing one is about a
 * one-in-a-million event for eight million rows, and its only effect is the one documented where it is used (an
 * enrollment absent from a bulk file may be kept, or a row reported as a duplicate for a human to look at), never a
 * wrong update, since updates also match on the real sourcedId.
 *
 * Each slot holds a content hash (for enrollments, the row's; for other uses, a payload such as a line number), a
 * database row id (0 for a row new in this import; for other uses, another payload) and flags: bit 0 is "seen", the
 * other bits are the user's (see flagsAt).
 */
export class KeyIndex {
  private capacity: number;
  private hi: Uint32Array;
  private lo: Uint32Array;
  private content: Uint32Array;
  private rowIds: Uint32Array;
  private flags: Uint8Array;
  /** Further 32-bit payloads per slot, for uses that need more than content and row id (see laneAt). */
  private lanes: Uint32Array[];
  size = 0;

  constructor(expected = 1024, lanes = 0) {
    this.capacity = KeyIndex.capacityFor(expected);
    this.hi = new Uint32Array(this.capacity);
    this.lo = new Uint32Array(this.capacity);
    this.content = new Uint32Array(this.capacity);
    this.rowIds = new Uint32Array(this.capacity);
    this.flags = new Uint8Array(this.capacity);
    this.lanes = Array.from({ length: lanes }, () => new Uint32Array(this.capacity));
  }

  /** An index over arrays built elsewhere (by parts()). */
  static fromParts(parts: KeyIndexParts): KeyIndex {
    const index = new KeyIndex(0);
    index.capacity = parts.hi.length;
    index.hi = parts.hi;
    index.lo = parts.lo;
    index.content = parts.content;
    index.rowIds = parts.rowIds;
    index.flags = parts.flags;
    index.lanes = parts.lanes;
    index.size = parts.size;
    return index;
  }

  /** The index's arrays and the buffers to transfer with them; the index must not be used afterwards. */
  parts(): { parts: KeyIndexParts; transfer: ArrayBuffer[] } {
    const parts = { size: this.size, hi: this.hi, lo: this.lo, content: this.content, rowIds: this.rowIds, flags: this.flags, lanes: this.lanes };
    const arrays = [this.hi, this.lo, this.content, this.rowIds, this.flags, ...this.lanes];
    return { parts, transfer: arrays.map((array) => array.buffer) as ArrayBuffer[] };
  }

  private static capacityFor(n: number): number {
    return Math.max(1024, Math.ceil(n / 0.8) | 1);
  }

  // The two halves of the last key hashed (no array allocated per lookup: millions of lookups a run).
  private keyHi = 0;
  private keyLo = 0;
  private lastKey: string | null = null;
  private hashKey(key: string): void {
    // add() right after find() of the same key (the common case) does not hash it again.
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.keyHi = hash32b(key);
    this.keyLo = hash32(key);
    if (this.keyHi === 0 && this.keyLo === 0) this.keyLo = 1; // (0, 0) marks an empty slot
  }

  private slotOf(hi: number, lo: number): number {
    const capacity = this.capacity;
    let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0;
    slot %= capacity;
    for (;;) {
      const h = this.hi[slot];
      const l = this.lo[slot];
      if ((h === 0 && l === 0) || (h === hi && l === lo)) return slot;
      slot += 1;
      if (slot === capacity) slot = 0;
    }
  }

  /** The two halves of the 64-bit hash of the key last looked up or added (stored beside the row, see addHashed). */
  get lastHi(): number {
    return this.keyHi;
  }
  get lastLo(): number {
    return this.keyLo;
  }

  /** Adds a key by its stored hash halves (a key not present yet), without the string. */
  addHashed(hi: number, lo: number, contentHash: number, rowId: number, seen: boolean | number): void {
    if ((this.size + 1) / this.capacity > 0.8) this.grow();
    if (hi === 0 && lo === 0) lo = 1;
    this.put(this.slotOf(hi, lo), hi, lo, contentHash, rowId, seen);
  }

  private put(slot: number, hi: number, lo: number, contentHash: number, rowId: number, seen: boolean | number): void {
    this.lastSlot = -1;
    this.addedSlot = slot;
    if (this.hi[slot] === 0 && this.lo[slot] === 0) this.size += 1;
    this.hi[slot] = hi;
    this.lo[slot] = lo;
    this.content[slot] = contentHash >>> 0;
    this.rowIds[slot] = rowId;
    this.flags[slot] = typeof seen === 'number' ? seen : seen ? 1 : 0;
  }

  /** The slot of the key added last. */
  addedSlot = -1;

  /** Where find() last probed to (the key's slot, or the empty one it would take), until the next change. */
  private lastSlot = -1;

  /** The slot holding `key`, or -1. */
  find(key: string): number {
    this.hashKey(key);
    const slot = this.slotOf(this.keyHi, this.keyLo);
    this.lastSlot = slot;
    return this.hi[slot] === 0 && this.lo[slot] === 0 ? -1 : slot;
  }

  /**
   * Adds a key (not present yet); right after find() of the same key, without probing again. `seen`: the seen flag,
   * or all the flags as a number.
   */
  add(key: string, contentHash: number, rowId: number, seen: boolean | number): void {
    const slot = key === this.lastKey ? this.lastSlot : -1;
    this.hashKey(key);
    if (slot >= 0 && (this.size + 1) / this.capacity <= 0.8) this.put(slot, this.keyHi, this.keyLo, contentHash, rowId, seen);
    else this.addHashed(this.keyHi, this.keyLo, contentHash, rowId, seen);
  }

  contentAt(slot: number): number {
    return this.content[slot];
  }

  setContent(slot: number, contentHash: number): void {
    this.content[slot] = contentHash >>> 0;
  }

  rowIdAt(slot: number): number {
    return this.rowIds[slot];
  }

  seenAt(slot: number): boolean {
    return (this.flags[slot] & 1) === 1;
  }

  markSeen(slot: number): void {
    this.flags[slot] |= 1;
  }

  flagsAt(slot: number): number {
    return this.flags[slot];
  }

  laneAt(lane: number, slot: number): number {
    return this.lanes[lane][slot];
  }

  setLane(lane: number, slot: number, value: number): void {
    this.lanes[lane][slot] = value >>> 0;
  }

  setFlags(slot: number, flags: number): void {
    this.flags[slot] = flags;
  }

  /** Slots whose flags, masked, equal `value`. */
  count(mask: number, value: number): number {
    let n = 0;
    for (let slot = 0; slot < this.capacity; slot += 1) if ((this.flags[slot] & mask) === value && (this.hi[slot] !== 0 || this.lo[slot] !== 0)) n += 1;
    return n;
  }

  /** Row ids of rows that exist in the database and were not seen in this import. */
  unseenRowIds(): number[] {
    const ids: number[] = [];
    for (let slot = 0; slot < this.capacity; slot += 1) {
      if ((this.flags[slot] & 1) === 0 && (this.hi[slot] !== 0 || this.lo[slot] !== 0) && this.rowIds[slot] > 0) ids.push(this.rowIds[slot]);
    }
    return ids;
  }

  /** Makes room for `n` keys in all (one resize now rather than several doublings later). */
  reserve(n: number): void {
    if (n / this.capacity > 0.8) this.grow(n);
  }

  private grow(target = this.size * 2): void {
    this.lastSlot = -1;
    const old = { hi: this.hi, lo: this.lo, content: this.content, rowIds: this.rowIds, flags: this.flags, lanes: this.lanes, capacity: this.capacity };
    this.capacity = KeyIndex.capacityFor(Math.max(target, this.size * 1.5));
    this.hi = new Uint32Array(this.capacity);
    this.lo = new Uint32Array(this.capacity);
    this.content = new Uint32Array(this.capacity);
    this.rowIds = new Uint32Array(this.capacity);
    this.flags = new Uint8Array(this.capacity);
    this.lanes = old.lanes.map(() => new Uint32Array(this.capacity));
    for (let i = 0; i < old.capacity; i += 1) {
      if (old.hi[i] === 0 && old.lo[i] === 0) continue;
      const slot = this.slotOf(old.hi[i], old.lo[i]);
      this.hi[slot] = old.hi[i];
      this.lo[slot] = old.lo[i];
      this.content[slot] = old.content[i];
      this.rowIds[slot] = old.rowIds[i];
      this.flags[slot] = old.flags[i];
      for (let lane = 0; lane < this.lanes.length; lane += 1) this.lanes[lane][slot] = old.lanes[lane][i];
    }
  }
}
