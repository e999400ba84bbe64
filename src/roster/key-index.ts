import { MessageChannel } from 'node:worker_threads';
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
  /** The hash table: entry number + 1 by slot, 0 for an empty slot. */
  table: Uint32Array;
  /** A byte of each slot's key hash (0: empty), so that probing reads the entries only for likely matches. */
  tags: Uint8Array;
}

/**
 * A compact hash set of string keys for millions of rows (enrollments at state scale: 8 million; a state's users), in
 * typed arrays: about 23 bytes a key instead of the ~90 bytes a JavaScript Map spends on each string key. Keys are
 * stored as a 64-bit hash; two different keys sharing one is about a one-in-a-million event for eight million rows,
 * and its only effect is the one documented where it is used (an enrollment absent from a bulk file may be kept, or a
 * row reported as a duplicate for a human to look at), never a wrong update, since updates also match on the real
 * sourcedId.
 *
 * Entries sit in arrays in the order they were added (for stored rows, the database's order, which is the order of
 * the file they came from), and a hash table of entry numbers (at most 80 % full, with a byte of each key's hash
 * beside it so that probing reads an entry only when it likely matches) finds them. A lookup first tries the entry
 * after the last one found: a nightly file lists its rows in the same order as the night before, so most lookups read
 * the next entry of arrays they are already reading instead of two places at random in tables far larger than the
 * CPU's caches (about 0.3 µs less a row for an unchanged enrollment).
 *
 * Each entry holds a content hash (for enrollments, the row's; for other uses, a payload such as a line number), a
 * database row id (0 for a row new in this import; for other uses, another payload) and flags: bit 0 is "seen", the
 * other bits are the user's (see flagsAt). An entry's number is its handle ("slot" below).
 */
export class KeyIndex {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private content: Uint32Array;
  private rowIds: Uint32Array;
  private flags: Uint8Array;
  /** Further 32-bit payloads per entry, for uses that need more than content and row id (see laneAt). */
  private lanes: Uint32Array[];
  private table: Uint32Array;
  private tags: Uint8Array;
  /**
   * Whether entries hold a content hash and a row id. An index of keys alone (new users, users that are not accounts,
   * a dry run's enrollment ids: sets that only tell whether a key was met) saves those 8 bytes a key.
   */
  private payload: boolean;
  size = 0;

  constructor(expected = 1024, lanes = 0, options: { payload?: boolean } = {}) {
    const entries = KeyIndex.entriesFor(expected);
    this.payload = options.payload ?? true;
    this.hi = new Uint32Array(entries);
    this.lo = new Uint32Array(entries);
    this.content = new Uint32Array(this.payload ? entries : 0);
    this.rowIds = new Uint32Array(this.payload ? entries : 0);
    this.flags = new Uint8Array(entries);
    this.lanes = Array.from({ length: lanes }, () => new Uint32Array(entries));
    this.table = new Uint32Array(KeyIndex.slotsFor(expected));
    this.tags = new Uint8Array(this.table.length);
  }

  /** An index over arrays built elsewhere (by parts()). */
  static fromParts(parts: KeyIndexParts): KeyIndex {
    const index = new KeyIndex(0);
    index.hi = parts.hi;
    index.lo = parts.lo;
    index.content = parts.content;
    index.rowIds = parts.rowIds;
    index.flags = parts.flags;
    index.lanes = parts.lanes;
    index.table = parts.table;
    index.tags = parts.tags;
    index.size = parts.size;
    index.payload = parts.content.length === parts.hi.length;
    return index;
  }

  /**
   * Gives the index's memory back at once; the index must not be used afterwards. Otherwise it would wait for a full
   * garbage collection, and a thread that has finished planning then waits for the writer's index builds, allocating
   * nothing, so none comes (Node 20 has no ArrayBuffer.prototype.transfer): at a million students, a first import's
   * enrollment index stayed through the index builds, the import's peak. Buffers moved into a message that is never
   * received are freed when its channel closes.
   */
  async release(): Promise<void> {
    const { transfer } = this.parts();
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(null, transfer);
    this.size = 0;
    const closed = new Promise<void>((resolve) => port1.once('close', () => resolve()));
    port1.close();
    port2.close();
    await closed;
  }

  /** The index's arrays and the buffers to transfer with them; the index must not be used afterwards. */
  parts(): { parts: KeyIndexParts; transfer: ArrayBuffer[] } {
    const parts = {
      size: this.size,
      hi: this.hi,
      lo: this.lo,
      content: this.content,
      rowIds: this.rowIds,
      flags: this.flags,
      lanes: this.lanes,
      table: this.table,
      tags: this.tags,
    };
    const arrays = [this.hi, this.lo, this.content, this.rowIds, this.flags, ...this.lanes, this.table, this.tags];
    return { parts, transfer: arrays.map((array) => array.buffer) as ArrayBuffer[] };
  }

  private static entriesFor(n: number): number {
    return Math.max(1024, Math.ceil(n));
  }

  private static slotsFor(n: number): number {
    return Math.max(1280, Math.ceil(n / 0.8) | 1);
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
    // (0, 0) once marked an empty slot and is never a key's hash: stored rows carry their key hash made this way.
    if (this.keyHi === 0 && this.keyLo === 0) this.keyLo = 1;
  }

  /** A slot's tag: the top byte of the key hash's high half, 1 to 255 (0 marks an empty slot). */
  private static tagOf(hi: number): number {
    return ((hi >>> 24) % 255) + 1;
  }

  /** The table slot of the key hash (hi, lo): the slot holding its entry, or the empty slot it would take. */
  private slotOf(hi: number, lo: number): number {
    const { table, tags } = this;
    const slots = table.length;
    const tag = KeyIndex.tagOf(hi);
    let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0;
    slot %= slots;
    for (;;) {
      const t = tags[slot];
      if (t === 0) return slot;
      if (t === tag) {
        const entry = table[slot] - 1;
        if (this.hi[entry] === hi && this.lo[entry] === lo) return slot;
      }
      slot += 1;
      if (slot === slots) slot = 0;
    }
  }

  /** The two halves of the 64-bit hash of the key last looked up or added (stored beside the row, see addHashed). */
  get lastHi(): number {
    return this.keyHi;
  }
  get lastLo(): number {
    return this.keyLo;
  }

  /** Whether one more key needs room first: an entry past the arrays' end, or a table more than 80 % full. */
  private full(): boolean {
    return this.size + 1 > this.hi.length || (this.size + 1) / this.table.length > 0.8;
  }

  /** Adds a key by its stored hash halves (a key not present yet), without the string. */
  addHashed(hi: number, lo: number, contentHash: number, rowId: number, seen: boolean | number): void {
    if (hi === 0 && lo === 0) lo = 1;
    if (this.full()) this.grow();
    this.put(this.slotOf(hi, lo), hi, lo, contentHash, rowId, seen);
  }

  private put(slot: number, hi: number, lo: number, contentHash: number, rowId: number, seen: boolean | number): void {
    this.lastSlot = -1;
    let entry = this.table[slot] - 1;
    if (entry < 0) {
      entry = this.size;
      this.size += 1;
      this.table[slot] = entry + 1;
      this.tags[slot] = KeyIndex.tagOf(hi);
    }
    this.addedSlot = entry;
    this.hi[entry] = hi;
    this.lo[entry] = lo;
    if (this.payload) {
      this.content[entry] = contentHash >>> 0;
      this.rowIds[entry] = rowId;
    }
    this.flags[entry] = typeof seen === 'number' ? seen : seen ? 1 : 0;
  }

  /** The entry of the key added last. */
  addedSlot = -1;

  /** Where find() last probed the table to (the key's slot, or the empty one it would take), until the next change. */
  private lastSlot = -1;
  /** The entry find() returned last: the next lookup tries the entry after it first. */
  private lastFound = -1;

  /** The entry holding `key`, or -1. */
  find(key: string): number {
    this.hashKey(key);
    const next = this.lastFound + 1;
    if (next < this.size && this.hi[next] === this.keyHi && this.lo[next] === this.keyLo) {
      this.lastSlot = -1;
      return (this.lastFound = next);
    }
    const slot = this.slotOf(this.keyHi, this.keyLo);
    this.lastSlot = slot;
    const entry = this.table[slot] - 1;
    if (entry >= 0) this.lastFound = entry;
    return entry;
  }

  /**
   * Adds a key (not present yet); right after find() of the same key, without probing again. `seen`: the seen flag,
   * or all the flags as a number.
   */
  add(key: string, contentHash: number, rowId: number, seen: boolean | number): void {
    const slot = key === this.lastKey ? this.lastSlot : -1;
    this.hashKey(key);
    if (slot >= 0 && !this.full()) this.put(slot, this.keyHi, this.keyLo, contentHash, rowId, seen);
    else this.addHashed(this.keyHi, this.keyLo, contentHash, rowId, seen);
  }

  /** The entry's content hash (0 in an index of keys alone). */
  contentAt(slot: number): number {
    return this.payload ? this.content[slot] : 0;
  }

  setContent(slot: number, contentHash: number): void {
    if (this.payload) this.content[slot] = contentHash >>> 0;
  }

  /** The entry's row id (0 in an index of keys alone). */
  rowIdAt(slot: number): number {
    return this.payload ? this.rowIds[slot] : 0;
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

  /** Entries whose flags, masked, equal `value`. */
  count(mask: number, value: number): number {
    let n = 0;
    for (let entry = 0; entry < this.size; entry += 1) if ((this.flags[entry] & mask) === value) n += 1;
    return n;
  }

  /** Row ids of rows that exist in the database and were not seen in this import. */
  unseenRowIds(): number[] {
    const ids: number[] = [];
    if (!this.payload) return ids;
    for (let entry = 0; entry < this.size; entry += 1) if ((this.flags[entry] & 1) === 0 && this.rowIds[entry] > 0) ids.push(this.rowIds[entry]);
    return ids;
  }

  /** Makes room for `n` keys in all (one resize now rather than several doublings later). */
  reserve(n: number): void {
    if (n > this.hi.length || n / this.table.length > 0.8) this.grow(n);
  }

  /** Makes room for `target` keys (by default half as many again: at a state's scale, doubling is hundreds of MB). */
  private grow(target = this.size * 1.5): void {
    this.lastSlot = -1;
    const entries = KeyIndex.entriesFor(Math.max(target, this.size * 1.5));
    if (entries > this.hi.length) {
      const longer = <T extends Uint32Array | Uint8Array>(array: T): T => {
        const copy = new (array.constructor as new (n: number) => T)(entries);
        copy.set(array.subarray(0, this.size));
        return copy;
      };
      this.hi = longer(this.hi);
      this.lo = longer(this.lo);
      if (this.payload) {
        this.content = longer(this.content);
        this.rowIds = longer(this.rowIds);
      }
      this.flags = longer(this.flags);
      this.lanes = this.lanes.map(longer);
    }
    const slots = KeyIndex.slotsFor(entries);
    if (slots > this.table.length) {
      this.table = new Uint32Array(slots);
      this.tags = new Uint8Array(slots);
      for (let entry = 0; entry < this.size; entry += 1) {
        const slot = this.slotOf(this.hi[entry], this.lo[entry]);
        this.table[slot] = entry + 1;
        this.tags[slot] = KeyIndex.tagOf(this.hi[entry]);
      }
    }
  }
}
