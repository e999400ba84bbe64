import { usernameKey, type Account } from '../accounts/account.js';
import type { Authenticator, Credential, LoginOutcome } from '../accounts/authenticate.js';
import type { PasswordHasher } from '../accounts/passwords.js';
import type { AccountStore } from '../accounts/ports.js';
import type { EventBus } from '../events/bus.js';
import type { Policies } from '../policies/definitions.js';
import { youngSignInFor } from '../policies/young-sign-in.js';
import { AppError, badRequest, forbidden } from '../shared/errors.js';
import { throttleKeys } from '../throttle/keys.js';
import { sequenceSecret, validSequence } from './catalog.js';
import type { PictureStore } from './ports.js';

/**
 * Picture passwords of young students: a sequence of three pictures, set by their teacher or by the family at claim,
 * kept only as an argon2id hash like a password, and checked by the password's Authenticator, so guesses are counted,
 * locked out and audited exactly as passwords are (under the same counters: pictures and passwords share one limit).
 */
export class PicturePasswords {
  constructor(
    private readonly store: PictureStore,
    private readonly hasher: PasswordHasher,
    private readonly authenticator: Authenticator,
    private readonly accounts: AccountStore,
    /** Whether the student is enrolled in a class the teacher teaches. */
    private readonly teaches: (teacherId: string, studentId: string) => Promise<boolean>,
    /** The sign-in policy in force, read at each use: an administrator can change the picture grades while running. */
    private readonly policy: () => Policies['signIn'],
    private readonly events: EventBus,
  ) {}

  /** Whether the policy gives the account's grade picture passwords. */
  forGrade(account: Pick<Account, 'grade'>): boolean {
    return youngSignInFor(account.grade, this.policy()).pictures;
  }

  /**
   * Whether the sign-in offers "Use my pictures": whenever some grade signs in with pictures, whatever the username
   * typed, so the offer never tells who has pictures (or who exists). The rounds answer every username alike.
   */
  offered(): boolean {
    return this.policy().pictureGrades.length > 0;
  }

  /** Which of these students have pictures (My students shows who still needs them). */
  async withPictures(accountIds: string[]): Promise<Set<string>> {
    return new Set(accountIds.length ? await this.store.withPictures(accountIds) : []);
  }

  hash(sequence: readonly string[]): Promise<string> {
    return this.hasher.hash(sequenceSecret(sequence));
  }

  private readonly credential: Credential = {
    method: 'pictures',
    // A grade the policy no longer lists signs in with its password only: its stored pictures stop working at once.
    stored: async (account) => (this.forGrade(account) ? this.store.hashOf(account.id) : null),
    missing: 'no_pictures',
    upgrade: (account, oldHash, newHash) => this.store.upgrade(account.id, oldHash, newHash),
  };

  /**
   * The verdict on a whole sequence, one picture per round. A pick that was not one of its round's pictures (a forged
   * form) still costs one attempt and fails like a wrong one.
   */
  signIn(username: string, picks: readonly string[], ip: string, deviceCookie?: string): Promise<LoginOutcome> {
    return this.authenticator.signIn(username, sequenceSecret(picks), ip, deviceCookie, this.credential);
  }

  /**
   * A student of one of the teacher's classes whose grade signs in with pictures. Checked on every request, whatever
   * the page showed.
   */
  async pupilOf(teacher: Account, studentId: string): Promise<Account> {
    if (!(await this.teaches(teacher.id, studentId))) throw forbidden('NOT_YOUR_STUDENT', 'staff.errors.notYourStudent');
    const student = await this.accounts.findById(studentId);
    if (!student) throw forbidden('NOT_YOUR_STUDENT', 'staff.errors.notYourStudent');
    if (!this.forGrade(student)) throw new AppError(409, 'NOT_PICTURE_GRADE', 'pictures.errors.notPictureGrade');
    return student;
  }

  /**
   * A teacher sets the pictures of a student of one of their classes (the child is with them), which also lifts the
   * lock of failed sign-ins: the teacher is who the child goes to when locked out.
   */
  async setByTeacher(teacher: Account, studentId: string, picks: readonly string[], ip: string, now = Date.now()): Promise<Account> {
    const student = await this.pupilOf(teacher, studentId);
    const sequence = validSequence(picks);
    if (!sequence) throw badRequest('PICTURES_INCOMPLETE', 'pictures.errors.incomplete');
    await this.store.set(student.id, await this.hash(sequence), teacher.id, now, [throttleKeys.loginAccount(usernameKey(student.username))]);
    await this.events.emit({ type: 'pictures.set', actorId: teacher.id, subjectId: student.id, ip, data: { by: 'teacher' } });
    return student;
  }
}
