import { mapRole, renderUsername, ROSTER_ROLES, studentNumberOf, templateRole, usernameKey, type RosterRole } from '../accounts-mapping.js';
import { ChangeQueue } from '../changes.js';
import { pick, type ColumnMap } from '../columns.js';
import { own } from '../csv.js';
import { fieldsHash, hash32, lineHash, rowHash } from '../hash.js';
import { issueFields, type IssueMessage } from '../issue-text.js';
import { KeyIndex } from '../key-index.js';
import { orderedIds } from '../ordered-id.js';
import type { Row } from '../ports.js';
import { RolesTable } from '../roles-table.js';
import { fastRole, fastUser, roleRow, userRow, type UserRecord } from '../rows.js';
import { USER_DISABLED, USER_DISABLED_BY_ROSTER, USER_REJECTED, USER_SEEN, type StoredUsers } from '../stored-users.js';
import { USER_COLUMNS } from '../written-tables.js';
import { ORG_PROBLEMS, type PlanIssues } from './issues.js';
import { NO_SCHOOL, type PlanState } from './state.js';

interface UserCandidate {
  sourcedId: string;
  line: number;
  existing: boolean;
  accountId: string | null;
  values: (string | number | null)[];
  usernameKey: string;
  studentNumber: string | null;
  role: RosterRole;
  /** The schools the user is counted under in the summary (see countedSchools). */
  schools: readonly string[];
  enabled: boolean;
  flags: number;
  changed: boolean;
}

/** What counting and status need of a user (see decideStatus). */
type UserOutcome = Pick<UserCandidate, 'sourcedId' | 'existing' | 'role' | 'schools' | 'enabled' | 'flags'>;

/** Bumped whenever users.csv rows map to accounts differently: every stored line hash then stops matching. */
const USER_MAPPING_VERSION = 1;

/** Plans users: roles.csv (1.2), then users.csv, then the users a bulk file leaves out; decides who is disabled or re-enabled. */
export class UserPlanner {
  private readonly issues: PlanIssues;

  constructor(private readonly state: PlanState) {
    this.issues = state.issues;
  }

  /**
   * New accounts get time-ordered ids (UUIDv7): every index keyed by account id (accounts, roster_users, roles,
   * schools) then grows at its end instead of at random places, which halves the cost of creating a district's
   * accounts. The id says no more than when the account was created.
   */
  private readonly newAccountId = orderedIds();

  /** 1.2 roles.csv, per user. */
  private roles = new RolesTable();

  /**
   * New and changed users' usernames and student numbers → the line that has them, for in-file duplicates. These
   * three are compact hash sets (KeyIndex: about 22 bytes a user instead of about 80 for a Map of strings), as a
   * state's million users would otherwise take hundreds of megabytes; see KeyIndex for what a (one in billions) hash
   * collision would do here: report a duplicate that is not one, for a human to look at.
   */
  private fileUsernames = new KeyIndex();

  private fileStudentNumbers = new KeyIndex();

  private readonly adopted = new Set<string>();

  readonly disable: string[] = [];

  readonly reenable: string[] = [];

  /** Role, schools and the file's enabled flag of a stored user whose line is unchanged, from its stored group. */
  private groupOutcomes: ({ role: RosterRole; schools: readonly string[]; enabled: boolean } | null)[] = [];

  /** Absent users, counted by role and school once their links are loaded (see countAbsent). */
  absentUsers: string[] = [];

  async readRoles(): Promise<void> {
    let sized = false;
    for await (const { map, rows, lines } of this.state.read('roles')) {
      if (!sized) this.roles.reserve(this.state.reserveFor('roles'));
      sized = true;
      for (let i = 0; i < rows.length; i += 1) {
        const r = this.issues.parse(roleRow, 'roles', map, rows[i], lines[i], fastRole);
        if (!r) {
          const user = (pick(map, rows[i]).userSourcedId ?? '').trim();
          // A user whose role cannot be read cannot be given an account correctly.
          if (user) this.roles.reject(user);
          continue;
        }
        // A tobedeleted role still says what the user is (the user row says whether the account stays).
        if (r.orgSourcedId) {
          const org = this.state.exists('orgs', r.orgSourcedId);
          if (org !== 'ok') {
            this.issues.reject('roles', map, lines[i], r.sourcedId ?? undefined, 'orgSourcedId', ORG_PROBLEMS[org], { org: r.orgSourcedId });
            this.roles.reject(r.userSourcedId);
            continue;
          }
        }
        this.roles.add(r.userSourcedId, r.role, r.roleType === 'primary', r.orgSourcedId);
      }
    }
  }

  /**
   * What a stored user's line hash stands for besides the line: the header's columns (by canonical name, in order),
   * the username settings, the mapping's version and the orgs a user may reference (with their types). When all of
   * these and the user's roles.csv rows are as they were, an identical line maps to the identical account: the line
   * is recognised as unchanged without being parsed. Null when no line may be (an org was rejected or its file could
   * not be read).
   */
  private userLineSeed(map: ColumnMap): { seed: number; known: Uint8Array; idAt: number } | null {
    if (this.state.incomplete.has('orgs') || this.state.rejected.orgs.size) return null;
    const known = new Uint8Array(map.header.length);
    const columns = Object.entries(map.index)
      .filter(([name, position]) => position >= 0 && name !== 'dateLastModified')
      .sort((a, b) => a[1] - b[1]);
    for (const [, position] of columns) known[position] = 1;
    // The orgs exists() accepts, with their types; summed, so their order does not matter.
    let orgs = 0;
    const fileOrgs = this.state.fileRows.orgs;
    for (const [id, type] of this.state.fileOrgTypes) orgs = (orgs + hash32(`${id}\x1f${type}`)) >>> 0;
    if (this.state.modes.orgs !== 'bulk') {
      for (const [id, type] of this.state.snapshot.orgTypes) if (!fileOrgs.has(id)) orgs = (orgs + hash32(`${id}\x1f${type}`)) >>> 0;
    }
    const settings = this.state.options.settings;
    const context = [
      USER_MAPPING_VERSION,
      columns.map(([name]) => name).join(','),
      settings.studentIdSource,
      ...ROSTER_ROLES.map((role) => settings.usernameTemplates[role]),
      orgs,
    ].join('\x1e');
    return { seed: hash32(context), known, idAt: map.index.sourcedId ?? -1 };
  }

  private storedOutcome(users: StoredUsers, handle: number): { role: RosterRole; schools: readonly string[]; enabled: boolean } | null {
    const n = users.groupNumberAt(handle);
    if (n === 0) return null;
    let outcome = this.groupOutcomes[n];
    if (outcome === undefined) {
      // enabled|role|orgIds (an org's sourcedId may hold a '|': the orgs are all that follows the second one)
      const group = users.groupAt(handle)!;
      const first = group.indexOf('|');
      const second = group.indexOf('|', first + 1);
      const [enabled, role, orgList] = [group.slice(0, first), group.slice(first + 1, second), group.slice(second + 1)];
      const orgIds = orgList ? orgList.split(',') : [];
      outcome = ROSTER_ROLES.includes(role as RosterRole) ? { role: role as RosterRole, schools: this.state.countedSchools(orgIds), enabled: enabled === '1' } : null;
      this.groupOutcomes[n] = outcome;
    }
    return outcome;
  }

  async readUsers(): Promise<void> {
    const settings = this.state.options.settings;
    const users = this.state.snapshot.users;
    const out = this.state.queues.users;
    let lineSeed: ReturnType<UserPlanner['userLineSeed']> | undefined;
    let wanted = new Int8Array(0);
    const picked = [''];
    for await (const { map, rows, lines, texts } of this.state.read('users', { texts: true })) {
      if (lineSeed === undefined) {
        // Sized once for the users that are not stored (all of a first load's): growing them (by half each time) copies
        // every entry and can leave them half empty. An unchanged stored user, recognised from its line, enters none.
        const expected = this.state.reserveFor('users') - this.state.snapshot.userCount;
        this.fileUsernames.reserve(expected);
        this.fileStudentNumbers.reserve(expected);
        this.state.newUsers.reserve(expected);
        lineSeed = this.userLineSeed(map);
        if (lineSeed && lineSeed.idAt >= 0) {
          wanted = new Int8Array(map.header.length).fill(-1);
          wanted[lineSeed.idAt] = 0;
        }
      }
      const candidates: UserCandidate[] = [];
      for (let i = 0; i < rows.length; i += 1) {
        const line = lines[i];
        const text = texts?.[i] ?? null;
        let row = text === null ? rows[i] : null;
        // The line's hash in its context (0: none), and the unchanged stored users it identifies without parsing.
        let userLine = 0;
        if (lineSeed) {
          let rawId: string;
          if (row === null) {
            picked[0] = '';
            userLine = lineHash(text!, lineSeed.known, lineSeed.seed, wanted, picked);
            rawId = picked[0];
          } else {
            userLine = fieldsHash(row, lineSeed.known, lineSeed.seed);
            rawId = lineSeed.idAt >= 0 && lineSeed.idAt < row.length ? row[lineSeed.idAt] : '';
          }
          const rawTrimmed = rawId.trim();
          userLine = (userLine ^ Math.imul(this.roles.signature(rawTrimmed), 0x9e3779b1)) >>> 0 || 1;
          const handle = rawTrimmed ? users.find(rawTrimmed) : -1;
          if (handle !== -1 && users.lineHashAt(handle) === userLine && !(users.flagsAt(handle) & (USER_SEEN | USER_REJECTED))) {
            const outcome = this.storedOutcome(users, handle);
            if (outcome) {
              const flags = users.flagsAt(handle);
              users.addFlags(handle, USER_SEEN);
              this.roles.take(rawTrimmed);
              this.decideStatus({ sourcedId: rawTrimmed, existing: true, flags, ...outcome }, false);
              continue;
            }
          }
        }
        row ??= text!.split(',');
        const warnings = this.issues.warnings.count;
        const r: UserRecord | null = this.issues.parse(userRow, 'users', map, row, line, fastUser);
        if (!r) {
          const id = (pick(map, row).sourcedId ?? '').trim();
          this.rejectUser(id, null);
          continue;
        }
        const id = r.sourcedId;
        const handle = users.find(id);
        const stored = handle !== -1;
        const storedFlags = stored ? users.flagsAt(handle) : 0;
        if (storedFlags & USER_SEEN || this.state.newUsers.find(id) >= 0 || this.state.skippedUsers.find(id) >= 0 || this.state.rejected.users.has(id)) {
          this.issues.reject('users', map, line, id, 'sourcedId', 'duplicateId');
          this.state.summary.accounts.rejected += 1;
          continue;
        }
        if (stored) users.addFlags(handle, USER_SEEN);

        // Roles: users.csv (1.1) and roles.csv (1.2).
        const oneRosterRoles: string[] = [];
        let primary: string | null = null;
        let roleOrgs: readonly string[] = [];
        if (r.role) {
          for (const role of r.role
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean))
            oneRosterRoles.push(role);
          primary = oneRosterRoles[0] ?? null;
        }
        const fromRoles = this.roles.take(id);
        if (fromRoles) {
          if (fromRoles.rejected) {
            this.issues.reject('users', map, line, id, null, 'rolesRowRejected');
            this.rejectUser(id, null);
            continue;
          }
          if (fromRoles.primary) {
            primary ??= fromRoles.primary;
            oneRosterRoles.push(fromRoles.primary);
          }
          oneRosterRoles.push(...fromRoles.others);
          roleOrgs = fromRoles.orgs;
        }
        if (!oneRosterRoles.length) {
          this.issues.reject('users', map, line, id, 'role', this.state.modes.roles === 'absent' ? 'roleRequired' : 'noRole');
          this.rejectUser(id, null);
          continue;
        }
        const mapped = new Set<RosterRole>();
        let unknownRole: string | null = null;
        for (const role of oneRosterRoles) {
          const known = mapOneRosterRole(role);
          if (known === undefined) unknownRole = role;
          else if (known) mapped.add(known);
        }
        if (unknownRole !== null) {
          this.issues.reject('users', map, line, id, 'role', 'unknownRole', { role: unknownRole });
          this.rejectUser(id, null);
          continue;
        }
        const primaryMapped = primary ? (mapOneRosterRole(primary) ?? null) : null;
        const role = templateRole(primaryMapped, mapped);
        if (!role) {
          const roles = oneRosterRoles.join(', ');
          const reason = `role ${roles}: not an account`;
          this.state.skippedUsers.add(id, 0, 0, true);
          this.state.summary.skipped[reason] = (this.state.summary.skipped[reason] ?? 0) + 1;
          this.state.summary.notAccounts[roles] = (this.state.summary.notAccounts[roles] ?? 0) + 1;
          this.state.summary.accounts.skipped += 1;
          continue;
        }

        // Orgs and schools.
        const orgIds: string[] = r.primaryOrgSourcedId ? [r.primaryOrgSourcedId] : [];
        for (const list of [r.orgSourcedIds, roleOrgs]) for (const org of list) if (!orgIds.includes(org)) orgIds.push(org);
        let badOrg: IssueMessage | null = null;
        for (const org of orgIds) {
          const state = this.state.exists('orgs', org);
          if (state === 'missing' || state === 'rejected') {
            badOrg = { code: ORG_PROBLEMS[state], params: { org } };
            break;
          }
        }
        if (badOrg) {
          this.issues.reject('users', map, line, id, r.primaryOrgSourcedId ? 'primaryOrgSourcedId' : 'orgSourcedIds', badOrg.code, badOrg.params);
          this.rejectUser(id, role);
          continue;
        }
        const schools = this.state.schoolsOf(orgIds);
        const counted = this.state.countedSchools(orgIds, schools);

        // Student number and username.
        const studentNumber = mapped.has('student') ? studentNumberOf(settings.studentIdSource, r) : null;
        const email = r.email && /^[^\s@]+@[^\s@]+$/.test(r.email) ? r.email : null;
        if (r.email && !email) this.issues.warn('users', map, line, id, 'email', 'badEmail', { email: r.email });
        const rendered = renderUsername(settings.usernameTemplates[role], { studentNumber, identifier: r.identifier, username: r.username, sourcedId: id, email });
        if ('error' in rendered) {
          this.issues.reject('users', map, line, id, role === 'student' ? null : 'username', rendered.error.code, rendered.error.params);
          this.rejectUser(id, role, counted);
          continue;
        }
        const enabled = r.status !== 'tobedeleted' && r.enabledUser !== false;
        const roles = [...mapped].sort().join(',');
        const values: (string | number | null)[] = [
          rendered.username,
          r.givenName,
          r.familyName,
          email,
          studentNumber,
          r.grades[0] ?? null,
          roles,
          schools.join(','),
          role,
          r.identifier,
          r.userIds,
          orgIds.join(','),
          r.grades.length ? r.grades.join(',') : null,
          enabled ? 1 : 0,
        ];
        const hash = rowHash(values);
        const candidate: UserCandidate = {
          sourcedId: id,
          line,
          existing: stored,
          accountId: null,
          values,
          usernameKey: usernameKey(rendered.username),
          studentNumber,
          role,
          schools: counted,
          enabled,
          flags: storedFlags,
          changed: !stored || users.hashAt(handle) !== hash,
        };
        // A row that warns (a bad email) keeps warning at every import: it is never taken as unchanged from its line.
        if (this.issues.warnings.count !== warnings) userLine = 0;
        candidate.values.push(hash, userLine);
        if (!candidate.changed) {
          if (userLine && users.lineHashAt(handle) !== userLine) out.push(lineOnly(id, userLine));
          this.decideStatus(candidate, false);
          continue;
        }
        // In-file duplicates among new or changed users (unchanged ones are checked against the database below).
        const sameName = this.fileUsernames.find(candidate.usernameKey);
        if (sameName >= 0) {
          this.issues.reject('users', map, line, id, 'username', 'usernameTwice', { username: rendered.username, line: this.fileUsernames.contentAt(sameName) });
          this.rejectUser(id, role, counted);
          continue;
        }
        if (studentNumber) {
          const sameNumber = this.fileStudentNumbers.find(studentNumber);
          if (sameNumber >= 0) {
            this.issues.reject('users', map, line, id, null, 'studentNumberTwice', { number: studentNumber, line: this.fileStudentNumbers.contentAt(sameNumber) });
            this.rejectUser(id, role, counted);
            continue;
          }
          this.fileStudentNumbers.add(studentNumber, line, 0, true);
        }
        this.fileUsernames.add(candidate.usernameKey, line, 0, true);
        candidates.push(candidate);
      }
      await this.settleCandidates(candidates, map, out);
      await this.state.flush();
    }
    await this.afterUsers();
  }

  private rejectUser(id: string, role: string | null, schools: readonly string[] = NO_SCHOOL): void {
    if (id) {
      this.state.rejected.users.add(own(id));
      const stored = this.state.snapshot.users.find(id);
      if (stored !== -1) this.state.snapshot.users.addFlags(stored, USER_REJECTED);
    }
    this.state.countUser('rejected', role ?? '(unknown)', schools);
  }

  /** Checks new and changed users' usernames and student numbers against the accounts already stored. */
  private async settleCandidates(candidates: UserCandidate[], map: ColumnMap, out: ChangeQueue): Promise<void> {
    if (!candidates.length) return;
    const hits = await this.state.store.findAccounts(
      candidates.map((c) => c.usernameKey),
      candidates.filter((c) => c.studentNumber).map((c) => c.studentNumber!),
    );
    const byUsername = new Map(hits.map((h) => [h.usernameKey, h]));
    const byStudentId = new Map(hits.filter((h) => h.studentId).map((h) => [h.studentId!, h]));
    for (const c of candidates) {
      const nameHit = byUsername.get(c.usernameKey);
      let adoptId: string | null = null;
      if (nameHit && nameHit.rosterSourcedId !== c.sourcedId) {
        if (!c.existing && nameHit.rosterSourcedId === null && !this.adopted.has(nameHit.accountId)) {
          adoptId = nameHit.accountId; // an account made before the roster (e.g. `homeroom accounts add`): link it
        } else {
          const username = String(c.values[0]);
          if (nameHit.rosterSourcedId) this.issues.reject('users', map, c.line, c.sourcedId, 'username', 'usernameTakenBy', { username, holder: nameHit.rosterSourcedId });
          else this.issues.reject('users', map, c.line, c.sourcedId, 'username', 'usernameTaken', { username });
          this.rejectUser(c.sourcedId, c.role, c.schools);
          continue;
        }
      }
      const numberHit = c.studentNumber ? byStudentId.get(c.studentNumber) : undefined;
      if (numberHit && numberHit.rosterSourcedId !== c.sourcedId && numberHit.accountId !== adoptId) {
        const number = c.studentNumber!;
        if (numberHit.rosterSourcedId) this.issues.reject('users', map, c.line, c.sourcedId, null, 'studentNumberTakenBy', { number, holder: numberHit.rosterSourcedId });
        else this.issues.reject('users', map, c.line, c.sourcedId, null, 'studentNumberTaken', { number });
        this.rejectUser(c.sourcedId, c.role, c.schools);
        continue;
      }
      if (adoptId) this.adopted.add(adoptId);
      if (!c.existing) this.state.newUsers.add(c.sourcedId, 0, 0, true);
      const op = c.existing ? 'update' : adoptId ? 'adopt' : 'create';
      c.accountId = adoptId ?? (c.existing ? null : this.newAccountId());
      out.push([op, c.sourcedId, c.accountId, c.values[0], c.usernameKey, ...c.values.slice(1, 6), ...c.values.slice(6)]);
      this.decideStatus(c, true, op === 'adopt');
    }
  }

  /** Counts the user once and queues a disable or re-enable when the account's state must follow the file. */
  private decideStatus(c: UserOutcome, changed: boolean, adopted = false): void {
    if (!c.existing && !adopted) {
      this.state.countUser('created', c.role, c.schools);
      return;
    }
    const disabled = (c.flags & USER_DISABLED) !== 0;
    const byRoster = (c.flags & USER_DISABLED_BY_ROSTER) !== 0;
    if (adopted) {
      if (!c.enabled) this.disable.push(own(c.sourcedId));
      this.state.countUser(c.enabled ? 'updated' : 'disabled', c.role, c.schools);
      return;
    }
    if (c.enabled && disabled && byRoster) {
      this.reenable.push(own(c.sourcedId));
      this.state.countUser('reenabled', c.role, c.schools);
    } else if (!c.enabled && !disabled) {
      this.disable.push(own(c.sourcedId));
      this.state.countUser('disabled', c.role, c.schools);
    } else {
      this.state.countUser(changed ? 'updated' : 'unchanged', c.role, c.schools);
    }
  }

  private async afterUsers(): Promise<void> {
    // roles.csv rows for users that users.csv does not have: named from a second reading of roles.csv (the table
    // does not keep ids), at their first row.
    if (this.roles.unclaimed()) {
      for await (const { map, rows, lines } of this.state.reread('roles')) {
        for (let i = 0; i < rows.length; i += 1) {
          const user = (pick(map, rows[i]).userSourcedId ?? '').trim();
          if (!this.roles.claimUnclaimed(user)) continue;
          if (this.state.snapshot.users.find(user) !== -1 && this.state.modes.users !== 'bulk') continue;
          this.issues.errors.add({ file: 'roles.csv', line: lines[i], sourcedId: user, column: 'userSourcedId', ...issueFields('userMissing', { user }) });
        }
      }
    }
    await this.roles.release();
    this.roles = new RolesTable();
    await this.fileUsernames.release();
    await this.fileStudentNumbers.release();
    this.fileUsernames = new KeyIndex();
    this.fileStudentNumbers = new KeyIndex();
    if (this.state.modes.users !== 'bulk' || this.state.incomplete.has('users')) return;
    // Bulk: every active roster account the file no longer lists is disabled.
    const absent: string[] = [];
    const users = this.state.snapshot.users;
    // Only their ids are missing from the table: read back from the database when there are any.
    if (users.countAbsent()) {
      for await (const ids of this.state.store.rosterUserIds()) for (const id of ids) if (users.isAbsent(users.find(id))) absent.push(id);
    }
    this.absentUsers = absent;
    for (const id of absent) this.disable.push(id);
  }

  /** Counts users disabled for being absent, by role and school, from their stored links. */
  async countAbsent(): Promise<void> {
    if (!this.absentUsers.length) return;
    const links = await this.state.store.userLinks(this.absentUsers);
    for (const link of links) this.state.countUser('disabled', link.role, this.state.countedSchools(link.orgIds ? link.orgIds.split(',') : []));
    this.absentUsers = [];
  }
}

/** A users row (USER_COLUMNS) that only records an unchanged user's new line hash. */
function lineOnly(sourcedId: string, lineHash: number): Row {
  const row: Row = new Array<string | number | null>(USER_COLUMNS.length).fill(null);
  row[0] = 'line';
  row[1] = sourcedId;
  row[USER_COLUMNS.length - 1] = lineHash;
  return row;
}

/** undefined: not a OneRoster role; null: a role that is not an account. */
function mapOneRosterRole(role: string): RosterRole | null | undefined {
  const known = ONE_ROSTER_ROLE_BY_LOWER.get(role.trim().toLowerCase());
  return known === undefined ? undefined : mapRole(known);
}

const ONE_ROSTER_ROLE_BY_LOWER = new Map(
  (
    [
      'administrator',
      'aide',
      'guardian',
      'parent',
      'proctor',
      'relative',
      'student',
      'teacher',
      'districtAdministrator',
      'siteAdministrator',
      'systemAdministrator',
      'principal',
    ] as const
  ).map((r) => [r.toLowerCase(), r]),
);
