import { own } from './csv.js';
import { hash32 } from './hash.js';
import { IdTable } from './id-table.js';

/** What roles.csv says about one user (OneRoster 1.2): the primary role, the other roles, the orgs. */
export interface UserRoles {
  /** One of the user's rows was rejected: the user cannot be given an account correctly. */
  rejected: boolean;
  primary: string;
  others: readonly string[];
  orgs: readonly string[];
}

const CLAIMED = 1; // KeyIndex's "seen" bit: users.csv's row took it
const REJECTED = 2;

/**
 * roles.csv, gathered per user until users.csv claims it. A state's million users each have a row or more, but only a
 * few hundred different combinations of roles and orgs: the table maps each user (compactly, see IdTable) to one of
 * those combinations, kept once.
 */
export class RolesTable {
  private readonly users = new IdTable();
  private readonly combinations: UserRoles[] = [];
  private readonly numbers = new Map<string, number>();
  /** Per combination, a hash of it (never 0). */
  private readonly signatures: number[] = [];

  private numberOf(roles: UserRoles): number {
    // Control characters cannot occur in a field (rows holding one are rejected): unambiguous separators.
    const key = `${roles.rejected ? '!' : ''}${roles.primary}\x1e${roles.others.join('\x1f')}\x1e${roles.orgs.join('\x1f')}`;
    let n = this.numbers.get(key);
    if (n === undefined) {
      n = this.combinations.length;
      this.combinations.push({ rejected: roles.rejected, primary: own(roles.primary), others: roles.others.map(own), orgs: roles.orgs.map(own) });
      this.signatures.push(hash32(key) || 1);
      this.numbers.set(key, n);
    }
    return n;
  }

  /** Gives the table's memory back at once (once users.csv is read); it must not be used afterwards. */
  release(): Promise<void> {
    return this.users.release();
  }

  /** Makes room for `n` users at once (roles.csv's size says about how many). */
  reserve(n: number): void {
    this.users.reserve(n);
  }

  /** A hash of what roles.csv says about the user (0: nothing), without taking it. */
  signature(user: string): number {
    const handle = this.users.find(user);
    return handle === -1 ? 0 : this.signatures[this.users.valueAt(handle)];
  }

  private set(user: string, roles: UserRoles, flags = 0, handle = this.users.find(user)): void {
    if (handle === -1) this.users.add(user, this.numberOf(roles), flags);
    else {
      this.users.setValue(handle, this.numberOf(roles));
      this.users.addFlags(handle, flags);
    }
  }

  /** One of the user's rows could not be used. */
  reject(user: string): void {
    this.set(user, { rejected: true, primary: '', others: [], orgs: [] }, REJECTED);
  }

  /** Adds a row: its role (the first primary one is the user's primary role) and its org. */
  add(user: string, role: string, isPrimary: boolean, org: string | null): void {
    const handle = this.users.find(user);
    const previous = handle === -1 ? null : this.combinations[this.users.valueAt(handle)];
    if (previous?.rejected) return;
    const primary = previous?.primary ?? '';
    const others = previous?.others ?? [];
    const orgs = previous?.orgs ?? [];
    const becomesPrimary = isPrimary && !primary;
    const roles = {
      rejected: false,
      primary: becomesPrimary ? role : primary,
      // A role listed again (its primary one included) is the same role.
      others: becomesPrimary || role === primary || others.includes(role) ? others : [...others, role],
      orgs: !org || orgs.includes(org) ? orgs : [...orgs, org],
    };
    this.set(user, roles, 0, handle);
  }

  /** The user's roles, once (users.csv lists a user once); undefined when roles.csv has none. */
  take(user: string): UserRoles | undefined {
    const handle = this.users.find(user);
    if (handle === -1 || this.users.flagsAt(handle) & CLAIMED) return undefined;
    this.users.addFlags(handle, CLAIMED);
    return this.combinations[this.users.valueAt(handle)];
  }

  /** Users with usable roles.csv rows that users.csv did not claim. */
  unclaimed(): number {
    return this.users.count(CLAIMED | REJECTED, 0);
  }

  /** Whether the user is one of those (true once per user: marks it claimed). */
  claimUnclaimed(user: string): boolean {
    const handle = this.users.find(user);
    if (handle === -1 || this.users.flagsAt(handle) & (CLAIMED | REJECTED)) return false;
    this.users.addFlags(handle, CLAIMED);
    return true;
  }
}
