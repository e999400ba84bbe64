import { studentId, studentNumber, type RosterModel, type Row } from '../../test/helpers/oneroster-generator.js';

/**
 * The nightly reality: about 2 % of the students change. Of every 200 students, 2 are renamed, 1 changes grade (its enrollments end early),
 * 1 withdraws (absent from the file: disabled), and 1 new student arrives (with the same number of enrollments).
 */
export function withTwoPercentChanges(model: RosterModel, students: number, perStudent: number): RosterModel {
  const users = model.users.map((u) => ({ ...u }));
  const withdrawn = new Set<string>();
  const moved = new Set<string>();
  for (let i = 0; i < students; i += 200) {
    const renamed = [users[i], users[i + 1]].filter(Boolean);
    for (const u of renamed) u.familyName = `${u.familyName}-Renommé`;
    if (users[i + 2]) {
      users[i + 2].grades = '12';
      moved.add(users[i + 2].sourcedId);
    }
    if (users[i + 3]) withdrawn.add(users[i + 3].sourcedId);
  }
  const kept = users.filter((u) => !withdrawn.has(u.sourcedId));
  const arrivals: Row[] = [];
  for (let n = 0; n < Math.floor(students / 200); n += 1) {
    const i = students + n;
    arrivals.push({ ...users[n * 200], sourcedId: studentId(i), identifier: studentNumber(i), username: `st${i}`, userIds: `{SIS:${studentNumber(i)}}`, familyName: 'Nouveau' });
  }
  const base = model.enrollments as () => Iterable<Row>;
  const enrollments = function* (): Iterable<Row> {
    for (const e of base()) {
      if (withdrawn.has(e.userSourcedId)) continue;
      yield moved.has(e.userSourcedId) ? { ...e, endDate: '2026-03-31' } : e;
    }
    for (const [n, u] of arrivals.entries()) {
      for (let e = 0; e < perStudent; e += 1) {
        yield {
          sourcedId: `enr-new-${n}-${e}`,
          status: 'active',
          dateLastModified: '2026-01-05T00:00:00.000Z',
          classSourcedId: `cls-0-${(n * perStudent + e) % 40}`,
          schoolSourcedId: 'sch-0',
          userSourcedId: u.sourcedId,
          role: 'student',
          primary: 'false',
          beginDate: '2026-01-05',
          endDate: '2026-06-19',
        };
      }
    }
  };
  return { ...model, users: [...kept, ...arrivals], enrollments };
}
