import { randomBytes } from 'node:crypto';

/**
 * A generator of UUIDv7 (RFC 9562): time-ordered, with a counter in rand_a so ids made in the same millisecond stay
 * in order. Bulk audit events use them: a hundred thousand random v4 keys land all over the primary-key B-tree,
 * ordered ones append at its end.
 */
export function orderedIds(): () => string {
  let lastMs = -1;
  let counter = 0;
  let tail = randomBytes(8);
  let tailHex = '';
  return () => {
    const ms = Date.now();
    if (ms > lastMs) {
      lastMs = ms;
      counter = 0;
      tail = randomBytes(8);
      tail[0] = (tail[0] & 0x3f) | 0x80; // variant 10
      tailHex = `${tail.toString('hex', 0, 2)}-${tail.toString('hex', 2, 8)}`;
    } else if (counter === 0xfff) {
      // 4,096 ids in one millisecond: borrow the next one (ids stay unique and ordered).
      lastMs += 1;
      counter = 0;
    } else {
      counter += 1;
    }
    const time = lastMs.toString(16).padStart(12, '0');
    return `${time.slice(0, 8)}-${time.slice(8)}-7${counter.toString(16).padStart(3, '0')}-${tailHex}`;
  };
}
