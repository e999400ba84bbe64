import { ROSTER_ROLES } from './accounts-mapping.js';
import type { RosterFile } from './columns.js';
import { issueFields } from './issue-text.js';
import type { IssueList } from './issues.js';
import { readManifest, type Manifest, type ProcessingMode } from './manifest.js';
import { EnrollmentPlanner } from './planner/enrollments.js';
import { EntityPlanner } from './planner/entities.js';
import { PlanState, type PlanOptions, type RosterSettings } from './planner/state.js';
import { UserPlanner } from './planner/users.js';
import type { RosterStorePort } from './ports.js';
import type { RosterSource } from './source.js';
import type { AccountCounts, EntityCounts, ImportSummary } from './summary.js';
import { ENTITY_FILES, type EntityFile } from './written-tables.js';

export type { PlanOptions, RosterSettings };

/** Everything the apply step needs, decided before anything is written. */
export interface ImportPlan {
  manifest: Manifest;
  modes: Record<RosterFile, ProcessingMode>;
  /** Users whose account becomes disabled (sourcedIds of users already in the database). */
  disable: string[];
  reenable: string[];
  /** Small tables: sourcedIds no longer in a bulk file (orgs are marked tobedeleted, the rest deleted). */
  removed: Record<EntityFile, string[]>;
  /** Enrollment row ids to delete (absent from a bulk file, or tobedeleted). */
  enrollmentDeletes: number[];
  errors: IssueList;
  warnings: IssueList;
  summary: ImportSummary;
  /** Active roster accounts before the import, and how many this import would disable. */
  guard: { activeBefore: number; wouldDisable: number; share: number; limit: number };
  rows: number;
}

/**
 * Reads, validates and diffs a OneRoster set against the database, streaming: each batch of changes goes to the sink
 * (the writer inside the import's transaction) as soon as it is decided, so nothing grows with the file but indexes.
 */
export class Planner {
  private readonly state: PlanState;
  private readonly entities: EntityPlanner;
  private readonly users: UserPlanner;
  private readonly enrollments: EnrollmentPlanner;

  constructor(source: RosterSource, store: RosterStorePort, options: PlanOptions) {
    this.state = new PlanState(source, store, options);
    this.entities = new EntityPlanner(this.state);
    this.users = new UserPlanner(this.state);
    this.enrollments = new EnrollmentPlanner(this.state);
  }

  async plan(): Promise<ImportPlan> {
    const state = this.state;
    const progress = state.options.progress;
    const manifest = await readManifest(state.source);
    for (const note of manifest.notes) state.issues.warnings.add({ file: 'manifest.csv', line: 1, ...issueFields(note.code, note.params) });
    state.modes = { ...manifest.modes };
    if (state.options.forceDelta) for (const file of Object.keys(state.modes) as RosterFile[]) if (state.modes[file] === 'bulk') state.modes[file] = 'delta';
    state.summary.version = manifest.version;
    const used = new Set(['manifest.csv', ...Object.keys(state.modes).map((f) => `${f.toLowerCase()}.csv`)]);
    state.summary.ignoredFiles = state.source.files().filter((f) => !used.has(f.toLowerCase()));

    progress.phase('loading the current roster');
    // A sink with a thread of its own reads the stored users and enrollments there, while this thread reads the
    // other files; it is asked before anything is written, so it reads the roster as it was before the import.
    const sink = state.options.sink;
    const threaded = Boolean(sink?.loadUsers && sink.loadEnrollments);
    state.snapshot = await state.store.loadSnapshot({ users: !threaded });
    if (threaded) {
      state.storedUsers = sink!.loadUsers!(state.snapshot.userCount);
      state.storedUsers.catch(() => undefined); // surfaces where it is awaited
      if (state.modes.enrollments !== 'absent' && state.snapshot.enrollmentCount && state.snapshot.enrollmentsNeedFullIndex) {
        // Room for the file's new rows too (a nightly file mostly repeats the stored ones): no rehash later.
        state.storedEnrollments = sink!.loadEnrollments!(Math.ceil(state.snapshot.enrollmentCount * 1.1) + 1024);
        state.storedEnrollments.catch(() => undefined);
      }
    }

    for (const file of ENTITY_FILES) await this.entities.readEntities(file);
    this.entities.settleClasses();
    await this.users.readRoles();
    if (state.storedUsers) state.snapshot.users = await state.storedUsers;
    state.storedUsers = null;
    await this.users.readUsers();
    await this.enrollments.readEnrollments();

    await state.flush();
    const wouldDisable = this.users.disable.length;
    const activeBefore = state.snapshot.users.active;
    return {
      manifest,
      modes: state.modes,
      disable: this.users.disable,
      reenable: this.users.reenable,
      removed: {
        orgs: state.absent('orgs', state.snapshot.orgs, (packed) => packed >= 0 && packed % 2 === 1),
        academicSessions: state.absent('academicSessions', state.snapshot.sessions, () => true),
        courses: state.absent('courses', state.snapshot.courses, () => true),
        classes: state.removedClasses,
      },
      enrollmentDeletes: this.enrollments.enrollmentDeletes,
      errors: state.issues.errors,
      warnings: state.issues.warnings,
      summary: state.summary,
      guard: { activeBefore, wouldDisable, share: activeBefore ? wouldDisable / activeBefore : 0, limit: state.options.settings.maxDisableShare },
      rows: state.rows,
    };
  }

  /** Counts users disabled for being absent, by role and school, from their stored links. */
  countAbsent(): Promise<void> {
    return this.users.countAbsent();
  }
}

export { ROSTER_ROLES };
export type { AccountCounts, EntityCounts };
