import { StoredUsers, USER_DISABLED, USER_REJECTED, USER_SEEN } from '../../src/roster/stored-users.js';

describe('StoredUsers', () => {
  test('keeps row hash and flags per sourcedId, counts active users and the absent ones, and moves by its parts', () => {
    const users = new StoredUsers(10);
    for (let i = 0; i < 3000; i += 1) users.add(`stu-${i}`, i * 3, i % 10 === 0 ? USER_DISABLED : 0);
    expect(users.size).toBe(3000);
    expect(users.active).toBe(2700);
    expect(users.find('stu-3000')).toBe(-1);
    const h = users.find('stu-7');
    expect([users.hashAt(h), users.flagsAt(h)]).toEqual([21, 0]);

    // Seen or rejected users are not absent; disabled ones never are.
    for (let i = 0; i < 2990; i += 1) users.addFlags(users.find(`stu-${i}`), i === 5 ? USER_REJECTED : USER_SEEN);
    const absent = Array.from({ length: 3000 }, (_, i) => `stu-${i}`).filter((id) => users.isAbsent(users.find(id)));
    expect(absent).toEqual(['stu-2991', 'stu-2992', 'stu-2993', 'stu-2994', 'stu-2995', 'stu-2996', 'stu-2997', 'stu-2998', 'stu-2999']);
    expect(users.countAbsent()).toBe(9);
    expect(users.isAbsent(users.find('not-stored'))).toBe(false);

    const { parts, transfer } = users.parts();
    const moved = StoredUsers.fromParts(structuredClone(parts, { transfer }));
    expect([moved.size, moved.active, moved.countAbsent()]).toEqual([3000, 2700, 9]);
    expect(moved.hashAt(moved.find('stu-2999'))).toBe(2999 * 3);
  });

  test('two sourcedIds whose 64-bit key hashes agree are told apart by the third hash', () => {
    const users = new StoredUsers();
    users.add('stu-a', 111, 0);
    // Make the index's entry look like another id's (same key hash, different third hash), as a collision would.
    const { parts } = users.parts();
    const slot = parts.index.rowIds.findIndex((check) => check !== 0);
    parts.index.rowIds[slot] ^= 1;
    const collided = StoredUsers.fromParts(parts);
    expect(collided.find('stu-a')).toBe(-1); // the entry is not stu-a's

    collided.add('stu-a', 222, USER_DISABLED);
    const handle = collided.find('stu-a');
    expect(handle).toBeLessThan(-1);
    expect([collided.hashAt(handle), collided.flagsAt(handle), collided.size]).toEqual([222, USER_DISABLED, 2]);
    collided.addFlags(handle, USER_SEEN);
    expect(collided.flagsAt(handle)).toBe(USER_DISABLED | USER_SEEN);
    expect(collided.countAbsent()).toBe(1); // the other id's entry: active and not seen

    const moved = StoredUsers.fromParts(collided.parts().parts);
    expect(moved.hashAt(moved.find('stu-a'))).toBe(222);
  });

  test('keeps the line hash and group of each user, across growth, collisions and a move', () => {
    const users = new StoredUsers(4); // grows several times
    for (let i = 0; i < 2000; i += 1) users.addUser(`stu-${i}`, i, 0, 0x80000000 + i, `1|student|sch-${i % 3}`);
    users.addUser('stu-old', 5, 0); // stored before line hashes: unknown
    const at = (table: StoredUsers, id: string) => {
      const h = table.find(id);
      return [table.lineHashAt(h), table.groupAt(h), table.groupNumberAt(h)];
    };
    expect(at(users, 'stu-1999')).toEqual([0x80000000 + 1999, '1|student|sch-1', 2]);
    expect(at(users, 'stu-old')).toEqual([0, null, 0]);

    // An id in the overflow (see the collision test above) keeps its lanes too.
    const { parts } = users.parts();
    const slot = parts.index.rowIds.findIndex((check, i) => check !== 0 && parts.index.lanes[0][i] === 0x80000000 + 7);
    parts.index.rowIds[slot] ^= 1;
    const collided = StoredUsers.fromParts(parts);
    expect(collided.find('stu-7')).toBe(-1);
    collided.addUser('stu-7', 7, 0, 77, '0|teacher|sch-9');
    expect(collided.find('stu-7')).toBeLessThan(-1);

    const { parts: moving, transfer } = collided.parts();
    const moved = StoredUsers.fromParts(structuredClone(moving, { transfer }));
    expect(at(moved, 'stu-7')).toEqual([77, '0|teacher|sch-9', 4]);
    expect(at(moved, 'stu-1998')).toEqual([0x80000000 + 1998, '1|student|sch-0', 1]);
  });
});
