import type { ColumnMap } from '../columns.js';
import { FileDigests } from '../enrollment-digest.js';
import { fieldsHash, hash32, lineHash } from '../hash.js';
import type { IssueMessage } from '../issue-text.js';
import { KeyIndex } from '../key-index.js';
import { enrollmentRow, fastEnrollment, type EnrollmentRecord } from '../rows.js';
import { USER_SEEN } from '../stored-users.js';
import type { PlanIssues } from './issues.js';
import type { PlanState } from './state.js';

/** A class an enrollment may name: in this file and active, or usable as exists() says. */
const usableClass = (state: string) => state === 'ok' || state === 'active';

/** Plans enrollments: settled by digest per user where it can, decided row by row where it must. */
export class EnrollmentPlanner {
  private readonly issues: PlanIssues;

  constructor(private readonly state: PlanState) {
    this.issues = state.issues;
  }

  enrollmentDeletes: number[] = [];

  /** Rows of users that are not stored (new users, users that are not accounts, unknown ones), left to decideEnrollments. */
  private deferredEnrollments = 0;

  private userState(id: string): 'ok' | 'rejected' | 'skipped' | 'missing' {
    if (this.state.rejected.users.has(id)) return 'rejected';
    if (this.state.skippedUsers.find(id) >= 0) return 'skipped';
    // Stored users first: a nightly file's users are nearly all stored ones (and new users never are).
    const users = this.state.snapshot.users;
    const stored = users.find(id);
    if (stored === -1) return this.state.newUsers.find(id) >= 0 ? 'ok' : 'missing';
    if (users.flagsAt(stored) & USER_SEEN) return 'ok';
    return this.state.modes.users === 'bulk' && !this.state.incomplete.has('users') ? 'missing' : 'ok';
  }

  /**
   * Enrollments, the biggest file by far (eight rows a student). With nothing stored, or stored rows that only a full
   * index can match (see RosterSnapshot.enrollmentsNeedFullIndex), each row is decided against an index of every
   * stored row. Otherwise a first reading sums up each stored user's rows (see enrollment-digest.ts): a user whose
   * rows are exactly its stored ones (on a nightly file, nearly everyone) is settled by its digest, and only the other
   * users' rows are decided one by one, in a second reading, against an index of just their stored rows. Memory then
   * grows with what changed, not with the district: at a million students, the full index alone takes about 200 MB.
   *
   * One difference with the full index: a sourcedId listed under two users, one of whom the digest settled, is
   * reported on the other user's line even when that line comes first (the settled row is the one kept).
   */
  async readEnrollments(): Promise<void> {
    if (this.state.modes.enrollments === 'absent') return;
    const snapshot = this.state.snapshot;
    if (!snapshot.enrollmentCount || snapshot.enrollmentsNeedFullIndex || !snapshot.users.enrollments.loaded) {
      await this.decideEnrollments(this.state.read('enrollments', { texts: true }), { full: true });
      return;
    }
    const digests = await this.digestEnrollments();
    const users = snapshot.users;
    const bulk = this.state.modes.enrollments === 'bulk' && !this.state.incomplete.has('enrollments');
    let unchanged = 0;
    let flaggedUsers = 0;
    let flaggedRows = 0;
    for (let handle = 0; handle < users.entries; handle += 1) {
      const count = digests.count[handle];
      if (!digests.flagged[handle]) {
        const stored = users.enrollmentCountAt(handle);
        if (count === 0 && stored === 0) continue;
        if (users.enrollmentsMatch(handle, count, digests.sum[handle], digests.mix[handle])) {
          unchanged += count;
          continue;
        }
        // A delta file that does not mention a user leaves its enrollments as they are.
        if (count === 0 && !bulk) continue;
        digests.flagged[handle] = 1;
      }
      flaggedUsers += 1;
      flaggedRows += users.enrollmentCountAt(handle);
    }
    const orphans = bulk ? users.enrollments.orphans : [];
    if (!flaggedUsers && !this.deferredEnrollments && !orphans.length) {
      this.state.summary.entities.enrollments.unchanged += unchanged;
      return;
    }
    this.state.options.progress.phase('deciding changed enrollments');
    if (flaggedRows > snapshot.enrollmentCount / 4) {
      // Most users changed (a new export layout, say): an index of every stored row costs less than finding them.
      await this.decideEnrollments(this.state.reread('enrollments', { texts: true }), { full: true });
      return;
    }
    this.state.summary.entities.enrollments.unchanged += unchanged;
    // The users whose stored rows are decided one by one: flagged ones, and (never seen in practice) those the table
    // keeps apart (see IdTable) and the orphans a bulk file removes. Their ids are not kept in memory: read back.
    const owners = [...orphans];
    for await (const ids of this.state.store.rosterUserIds()) {
      for (const id of ids) {
        const handle = users.find(id);
        if (handle >= 0 ? digests.flagged[handle] === 1 : handle !== -1) owners.push(id);
      }
    }
    const index = new KeyIndex(Math.ceil(flaggedRows * 1.1) + this.deferredEnrollments + 1024);
    await this.state.store.loadEnrollmentsOf(owners, index);
    await this.decideEnrollments(this.state.reread('enrollments', { texts: true }), { full: false, index, digests });
  }

  /** The first reading of enrollments.csv when users' rows can be settled by digest (see readEnrollments). */
  private async digestEnrollments(): Promise<FileDigests> {
    const users = this.state.snapshot.users;
    const digests = new FileDigests(users.entries);
    let columns: EnrollmentColumns | null = null;
    let lastUserId: string | null = null;
    let handle = -1;
    let userOk = false;
    for await (const { map, rows, texts } of this.state.read('enrollments', { texts: true })) {
      columns ??= enrollmentColumns(map, false);
      const line = columns.line;
      for (let i = 0; i < rows.length; i += 1) {
        takeEnrollment(columns, texts?.[i] ?? null, rows[i]);
        if (line.userId !== lastUserId) {
          lastUserId = line.userId;
          handle = users.find(line.userId);
          userOk = this.userState(line.userId) === 'ok';
        }
        if (handle < 0) {
          this.deferredEnrollments += 1;
          continue;
        }
        const classId = line.classId;
        const classState = this.state.classState(classId);
        if (!line.id || !userOk || !usableClass(classState)) digests.flagged[handle] = 1;
        else digests.add(handle, line.hash);
      }
    }
    return digests;
  }

  /**
   * Decides enrollments row by row against an index of stored rows: every stored row (`full`, loaded here), or only
   * those of the users flagged in `digests`, whose rows alone are then decided (the others were settled by digest).
   *
   * A first load (nothing stored, and a sink to write to) keeps no index of the rows it creates, only of the few it
   * rejects or skips: each row is loaded with its line as its id, and the sink finds the sourcedIds loaded twice once
   * the file is read (see ChangeSink.finishEnrollmentLoad); the later lines are then rejected and deleted. At a
   * million students that index would take about 130 MB, and looking every row up in it most of this thread's time.
   * One difference: a row rejected for another reason (its user, say) after a loaded row with the same sourcedId keeps
   * that reason instead of duplicateId.
   */
  private async decideEnrollments(
    batches: AsyncIterable<{ map: ColumnMap; rows: string[][]; lines: number[]; texts: (string | null)[] | null }>,
    scope: { full: true } | { full: false; index: KeyIndex; digests: FileDigests },
  ): Promise<void> {
    const counts = this.state.summary.entities.enrollments;
    let index: KeyIndex;
    let loaded = true;
    const sink = this.state.options.sink;
    const loading = scope.full && this.state.snapshot.enrollmentCount === 0 && Boolean(sink);
    if (loading) {
      index = new KeyIndex(1024, 0, { payload: false });
    } else if (scope.full) {
      // With nothing stored (a dry run's first load), the index only tells the file's duplicate ids apart: keys alone.
      const stored = this.state.snapshot.enrollmentCount;
      index = this.state.storedEnrollments ? await this.state.storedEnrollments : new KeyIndex(Math.ceil(stored * 1.1) + 1024, 0, { payload: stored > 0 });
      loaded = this.state.storedEnrollments !== null;
      this.state.storedEnrollments = null;
    } else {
      index = scope.index;
    }
    // Stored rows are loaded once the index is sized for the file too (growing it would rehash every key).
    const load = async () => {
      if (!loaded && this.state.snapshot.enrollmentCount) await this.state.store.loadEnrollments(index);
      loaded = true;
    };
    const users = this.state.snapshot.users;
    const digests = scope.full ? null : scope.digests;
    const inserts = loading ? this.state.queues.enrollmentLoads : this.state.queues.enrollmentInserts;
    const updates = this.state.queues.enrollmentUpdates;
    const deletes: number[] = [];
    // A first load picks every field a row needs where it hashes the line (slots 3 to 8 of line.picked): each row is
    // new, and splitting it costs more.
    const pickAll = this.state.snapshot.enrollmentCount === 0;
    let columns: EnrollmentColumns | null = null;
    let lastUserId: string | null = null;
    let lastUserState: ReturnType<EnrollmentPlanner['userState']> = 'missing';
    let lastHandle = -1;
    let lastMap: ColumnMap | null = null;
    for await (const { map, rows, lines, texts } of batches) {
      lastMap = map;
      if (!columns) {
        columns = enrollmentColumns(map, pickAll);
        if (!loaded) {
          // Size the index once rather than growing it several times (each time copies every entry). With stored rows
          // it has room for them and a tenth more already: a nightly file mostly repeats them, and the estimate (from
          // the first rows' length) can be a few per cent high. (Unknown size: it grows as needed.)
          const estimate = this.state.estimates.enrollments ?? 0;
          if (estimate > this.state.snapshot.enrollmentCount * 1.5) index.reserve(estimate * 1.05);
          await load();
        }
      }
      const { f, line } = columns;
      // Which rows to decide: all, or those of users the digests did not settle.
      let chosen: number[] | null = null;
      if (digests) {
        chosen = [];
        for (let i = 0; i < rows.length; i += 1) {
          const userId = fieldAt(texts?.[i] ?? null, rows[i], f.user);
          if (userId !== lastUserId) {
            lastUserId = userId;
            lastHandle = users.find(userId);
          }
          if (lastHandle < 0 || digests.flagged[lastHandle]) chosen.push(i);
        }
        lastUserId = null;
        await this.findMovedEnrollments(columns, index, digests, chosen, rows, texts);
      }
      const n = chosen ? chosen.length : rows.length;
      for (let k = 0; k < n; k += 1) {
        const i = chosen ? chosen[k] : k;
        const text = texts?.[i] ?? null;
        let row: string[] | null = text === null ? rows[i] : null;
        // The raw values decide "unchanged" (an identical row was valid when it was stored): no split needed.
        takeEnrollment(columns, text, rows[i]);
        const { hash, id, userId, classId, picked } = line;
        const slot = id ? index.find(id) : -1;
        if (slot >= 0 && index.seenAt(slot)) {
          this.issues.reject('enrollments', map, lines[i], id, 'sourcedId', 'duplicateId');
          counts.rejected += 1;
          continue;
        }
        // References first: an unchanged row whose user left is not unchanged. (A user's rows tend to come together.)
        if (userId !== lastUserId) {
          lastUserId = userId;
          lastUserState = this.userState(userId);
        }
        const user = lastUserState;
        if (user === 'skipped') {
          if (slot >= 0) index.markSeen(slot);
          else if (id) index.add(id, hash, 0, true);
          counts.skipped += 1;
          continue;
        }
        const classState = this.state.classState(classId);
        if (slot >= 0 && index.contentAt(slot) === hash && user === 'ok' && usableClass(classState)) {
          index.markSeen(slot);
          counts.unchanged += 1;
          continue;
        }
        let r: EnrollmentRecord | null =
          text !== null && pickAll ? fastEnrollment(picked[0], picked[3], picked[2], picked[4], picked[1], picked[5], picked[6], picked[7], picked[8]) : null;
        if (!r) {
          row ??= text!.split(',');
          r =
            fastEnrollment(
              at(row, f.id),
              at(row, f.status),
              at(row, f.cls),
              at(row, f.school),
              at(row, f.user),
              at(row, f.role),
              at(row, f.primary),
              at(row, f.begin),
              at(row, f.end),
            ) ?? this.issues.parse(enrollmentRow, 'enrollments', map, row, lines[i]);
        }
        if (!r) {
          if (slot >= 0) index.markSeen(slot); // kept as it is, not deleted
          counts.rejected += 1;
          continue;
        }
        if (r.status === 'tobedeleted') {
          if (slot >= 0) {
            index.markSeen(slot);
            deletes.push(index.rowIdAt(slot));
            counts.removed += 1;
          } else {
            index.add(id, hash, 0, true);
            counts.unchanged += 1;
          }
          continue;
        }
        let problem: [string, IssueMessage] | null = null;
        if (user !== 'ok') problem = ['userSourcedId', { code: user === 'missing' ? 'userMissing' : 'userRejected', params: { user: userId } }];
        else if (!usableClass(classState)) {
          problem = [
            'classSourcedId',
            { code: classState === 'missing' ? 'classMissing' : classState === 'rejected' ? 'classRejected' : 'classDeleted', params: { class: classId } },
          ];
        }
        if (problem) {
          this.issues.reject('enrollments', map, lines[i], id, problem[0], problem[1].code, problem[1].params);
          if (slot >= 0) index.markSeen(slot);
          else index.add(id, hash, 0, true);
          counts.rejected += 1;
          continue;
        }
        if (r.schoolSourcedId && this.state.exists('orgs', r.schoolSourcedId) === 'missing') {
          this.issues.warn('enrollments', map, lines[i], id, 'schoolSourcedId', 'orgMissing', { org: r.schoolSourcedId });
        }
        // The index last hashed this row's id (find above; a valid row has one): its halves are stored with the row.
        const values = [r.sourcedId, r.classSourcedId, r.userSourcedId, r.schoolSourcedId, r.role, r.primary ? 1 : 0, r.beginDate, r.endDate, hash, index.lastHi, index.lastLo];
        if (slot >= 0) {
          index.markSeen(slot);
          updates.push([...values, index.rowIdAt(slot)]);
          counts.updated += 1;
        } else if (loading) {
          inserts.push([lines[i], ...values]);
          counts.created += 1;
        } else {
          index.add(id, hash, 0, true);
          inserts.push(values);
          counts.created += 1;
        }
      }
      await this.state.flush();
    }
    await load();
    if (loading && lastMap) {
      for (const { line, sourcedId } of await sink!.finishEnrollmentLoad()) {
        this.issues.reject('enrollments', lastMap, line, sourcedId, 'sourcedId', 'duplicateId');
        counts.created -= 1;
        counts.rejected += 1;
        deletes.push(line);
      }
    }
    if (this.state.modes.enrollments === 'bulk' && !this.state.incomplete.has('enrollments')) {
      const absent = index.unseenRowIds();
      counts.removed += absent.length;
      for (const rowId of absent) deletes.push(rowId);
    }
    this.enrollmentDeletes = deletes;
    await index.release();
  }

  /**
   * Before a batch's chosen rows are decided against an index of only some users' stored rows: finds the stored rows
   * of the other sourcedIds they list, which belong to other users. A row the digests settled (its user's file rows
   * are its stored rows) is taken: listing it again is a duplicate. Any other is free: the row moved to this user.
   */
  private async findMovedEnrollments(
    columns: EnrollmentColumns,
    index: KeyIndex,
    digests: FileDigests,
    chosen: number[],
    rows: string[][],
    texts: (string | null)[] | null,
  ): Promise<void> {
    const wanted = new Set<string>();
    const his: number[] = [];
    for (const i of chosen) {
      const id = fieldAt(texts?.[i] ?? null, rows[i], columns.f.id);
      if (!id || index.find(id) >= 0) continue;
      wanted.add(`${index.lastHi},${index.lastLo}`);
      his.push(index.lastHi);
    }
    if (!his.length) return;
    const users = this.state.snapshot.users;
    for (const stored of await this.state.store.findEnrollmentKeys(his)) {
      if (!wanted.has(`${stored.hi},${stored.lo}`)) continue;
      const owner = users.find(stored.userId);
      const settled = owner >= 0 && !digests.flagged[owner] && digests.count[owner] > 0;
      index.addHashed(stored.hi, stored.lo, stored.hash, stored.rowId, settled);
    }
  }
}

/** A row's field at a column position ('' when the column is missing or the row is short). */
const at = (row: string[], position: number) => (position >= 0 && position < row.length ? row[position] : '');

/** Where an enrollments file's columns are, what its line hashes are seeded with, and the row last taken. */
interface EnrollmentColumns {
  f: { id: number; status: number; cls: number; school: number; user: number; role: number; primary: number; begin: number; end: number };
  /** The columns that make a row changed: the nine Homeroom stores (not dateLastModified, not extension columns). */
  known: Uint8Array;
  /** Stands for the order of those columns (by canonical name): extension columns may come and go. */
  seed: number;
  /** Where the id, user and class columns are (and with pickAll, the six others), as slots of `line.picked`. */
  wanted: Int8Array;
  /** The row last taken (see takeEnrollment), its fields trimmed. */
  line: { hash: number; id: string; userId: string; classId: string; picked: string[] };
}

function enrollmentColumns(map: ColumnMap, pickAll: boolean): EnrollmentColumns {
  const ix = map.index;
  const f = {
    id: ix.sourcedId,
    status: ix.status,
    cls: ix.classSourcedId,
    school: ix.schoolSourcedId,
    user: ix.userSourcedId,
    role: ix.role,
    primary: ix.primary,
    begin: ix.beginDate,
    end: ix.endDate,
  };
  const known = new Uint8Array(map.header.length);
  for (const position of Object.values(f)) if (position >= 0) known[position] = 1;
  const seed = hash32(
    Object.entries(ix)
      .filter(([, position]) => position >= 0 && known[position])
      .sort((a, b) => a[1] - b[1])
      .map(([name]) => name)
      .join(','),
  );
  const wanted = new Int8Array(map.header.length).fill(-1);
  const pickedFields = pickAll ? [f.id, f.user, f.cls, f.status, f.school, f.role, f.primary, f.begin, f.end] : [f.id, f.user, f.cls];
  for (const [slot, position] of pickedFields.entries()) if (position >= 0) wanted[position] = slot;
  return { f, known, seed, wanted, line: { hash: 0, id: '', userId: '', classId: '', picked: new Array<string>(pickedFields.length).fill('') } };
}

/** Hashes a row (from its text when it has one: no split) and takes its id, user and class into `columns.line`. */
function takeEnrollment(columns: EnrollmentColumns, text: string | null, row: string[]): void {
  const { line, f } = columns;
  if (text !== null) {
    line.picked.fill('');
    line.hash = lineHash(text, columns.known, columns.seed, columns.wanted, line.picked);
    line.id = line.picked[0].trim();
    line.userId = line.picked[1].trim();
    line.classId = line.picked[2].trim();
  } else {
    line.hash = fieldsHash(row, columns.known, columns.seed);
    line.id = at(row, f.id).trim();
    line.userId = at(row, f.user).trim();
    line.classId = at(row, f.cls).trim();
  }
}

/**
 * A row's field at a column position, trimmed, as takeEnrollment takes it but without hashing the line: the second
 * reading of a re-import needs only each row's user, to tell the rows of users whose digests differ (a nightly file's
 * few) from the others, and those rows' ids, to find the ones that moved; it hashes just the rows it then decides.
 */
function fieldAt(text: string | null, row: string[], position: number): string {
  if (text === null) return at(row, position).trim();
  if (position < 0) return '';
  let start = 0;
  for (let column = 0; column < position; column += 1) {
    const comma = text.indexOf(',', start);
    if (comma === -1) return '';
    start = comma + 1;
  }
  const end = text.indexOf(',', start);
  return text.slice(start, end === -1 ? text.length : end).trim();
}
