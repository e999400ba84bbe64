import { columnName, pick, type ColumnMap } from '../columns.js';
import { own } from '../csv.js';
import { rowHash } from '../hash.js';
import { IdTable } from '../id-table.js';
import { issueFields } from '../issue-text.js';
import type { Row } from '../ports.js';
import { classRow, courseRow, fastClass, orgRow, sessionRow, type ClassRecord, type CourseRecord, type OrgRecord, type SessionRecord } from '../rows.js';
import type { EntityFile } from '../written-tables.js';
import { ORG_PROBLEMS, type PlanIssues } from './issues.js';
import { CLASS_STATES, type PlanState } from './state.js';

const joinList = (items: string[]) => (items.length ? items.join(',') : null);

/** Plans orgs, academic sessions, courses and classes, then the classes' states that enrollments will ask. */
export class EntityPlanner {
  private readonly issues: PlanIssues;

  constructor(private readonly state: PlanState) {
    this.issues = state.issues;
  }

  /** Parent references of orgs and sessions, checked once the whole file is read (a parent may come later). */
  private parents: { file: EntityFile; id: string; parent: string; line: number; column: string }[] = [];

  private checkParents(): void {
    for (const p of this.parents) {
      if (this.state.exists(p.file, p.parent) === 'missing') {
        this.issues.warnings.add({
          file: `${p.file}.csv`,
          line: p.line,
          column: p.column,
          sourcedId: p.id,
          ...issueFields('parentMissing', { parent: p.parent, file: `${p.file}.csv` }),
        });
      }
    }
    this.parents = [];
  }

  async readEntities(file: EntityFile): Promise<void> {
    const counts = this.state.summary.entities[file];
    const out = this.state.queues[file];
    const stored = this.state.snapshotOf(file);
    const seen = this.state.fileRows[file];
    for await (const { map, rows, lines } of this.state.read(file)) {
      for (let i = 0; i < rows.length; i += 1) {
        const line = lines[i];
        const values = this.entityValues(file, map, rows[i], line);
        if (!values) {
          const id = (pick(map, rows[i]).sourcedId ?? '').trim();
          if (id) this.state.rejected[file].add(own(id));
          counts.rejected += 1;
          continue;
        }
        const id = values[0] as string;
        if (seen.has(id)) {
          this.issues.reject(file, map, line, id, 'sourcedId', 'duplicateId');
          counts.rejected += 1;
          continue;
        }
        const status = values[values.length - 1] as string;
        seen.set(own(id), status);
        if (file === 'orgs') {
          this.state.fileOrgTypes.set(own(id), own(values[2] as string));
          this.state.snapshot.orgNames.set(own(id), own(values[1] as string));
        }
        const hash = rowHash(values);
        const existing = stored.get(id);
        if (existing !== undefined && existing >= 0 && Math.floor(existing / 2) === hash) {
          counts.unchanged += 1;
          continue;
        }
        if (existing === undefined) counts.created += 1;
        else counts.updated += 1;
        const row: Row = values;
        row.push(hash);
        out.push(row);
      }
      await this.state.flush();
    }
    this.checkParents();
  }

  /** Validates a row of a small file and returns its stored values (status last), or null. */
  private entityValues(file: EntityFile, map: ColumnMap, row: string[], line: number): (string | null)[] | null {
    switch (file) {
      case 'orgs': {
        const r: OrgRecord | null = this.issues.parse(orgRow, file, map, row, line);
        if (!r) return null;
        if (r.parentSourcedId) this.parents.push({ file, id: r.sourcedId, parent: r.parentSourcedId, line, column: columnName(map, 'parentSourcedId') });
        return [r.sourcedId, r.name, r.type, r.identifier, r.parentSourcedId, r.status];
      }
      case 'academicSessions': {
        const r: SessionRecord | null = this.issues.parse(sessionRow, file, map, row, line);
        if (!r) return null;
        if (r.parentSourcedId) this.parents.push({ file, id: r.sourcedId, parent: r.parentSourcedId, line, column: columnName(map, 'parentSourcedId') });
        return [r.sourcedId, r.title, r.type, r.startDate, r.endDate, r.parentSourcedId, r.schoolYear, r.status];
      }
      case 'courses': {
        const r: CourseRecord | null = this.issues.parse(courseRow, file, map, row, line);
        if (!r) return null;
        if (r.orgSourcedId && this.state.exists('orgs', r.orgSourcedId) === 'missing') {
          this.issues.warn(file, map, line, r.sourcedId, 'orgSourcedId', 'orgMissing', { org: r.orgSourcedId });
        }
        return [r.sourcedId, r.title, r.courseCode, r.orgSourcedId, r.schoolYearSourcedId, joinList(r.grades), joinList(r.subjects), r.status];
      }
      case 'classes': {
        const r: ClassRecord | null = this.issues.parse(classRow, file, map, row, line, fastClass);
        if (!r) return null;
        const school = this.state.exists('orgs', r.schoolSourcedId);
        if (school !== 'ok' && r.status === 'active') {
          this.issues.reject(file, map, line, r.sourcedId, 'schoolSourcedId', ORG_PROBLEMS[school], { org: r.schoolSourcedId });
          return null;
        }
        if (r.courseSourcedId && this.state.modes.courses !== 'absent' && this.state.exists('courses', r.courseSourcedId) === 'missing') {
          this.issues.warn(file, map, line, r.sourcedId, 'courseSourcedId', 'courseMissing', { course: r.courseSourcedId });
        }
        for (const term of r.termSourcedIds) {
          if (this.state.exists('academicSessions', term) === 'missing') {
            this.issues.warn(file, map, line, r.sourcedId, 'termSourcedIds', 'sessionMissing', { session: term });
          }
        }
        return [
          r.sourcedId,
          r.title,
          r.classCode,
          r.classType,
          r.location,
          r.schoolSourcedId,
          r.courseSourcedId,
          joinList(r.termSourcedIds),
          joinList(r.grades),
          joinList(r.subjects),
          joinList(r.periods),
          r.status,
        ];
      }
    }
  }

  /**
   * Once classes.csv is read: the classes it removes, and each class's state as enrollments will ask it (see
   * classState), in one compact table (IdTable). The file's and the database's Maps of class ids are emptied then:
   * kept through users.csv and enrollments.csv, they would be tens of megabytes of the heap (at a million students)
   * that the garbage collector walks again and again.
   */
  settleClasses(): void {
    this.state.removedClasses = this.state.absent('classes', this.state.snapshot.classes, () => true);
    const states = new IdTable(this.state.fileRows.classes.size + this.state.snapshot.classes.size);
    const put = (id: string, state: string) => {
      if (states.find(id) === -1) states.add(id, (CLASS_STATES as readonly string[]).indexOf(state), 0);
    };
    for (const [id, status] of this.state.fileRows.classes) put(id, status);
    for (const id of this.state.rejected.classes) put(id, 'rejected');
    for (const id of this.state.snapshot.classes.keys()) {
      const state = this.state.exists('classes', id);
      if (state !== 'missing') put(id, state);
    }
    this.state.classStates = states;
    this.state.fileRows.classes.clear();
    this.state.rejected.classes.clear();
    this.state.snapshot.classes.clear();
  }
}
