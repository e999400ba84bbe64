import { AMR_BADGE, AMR_PICTURES } from '../mfa/authn-context.js';
import type { Policies } from './definitions.js';

export type SignInMethod = 'password' | 'badge' | 'pictures';

/** How a student of a grade may sign in besides the password, which every account keeps. */
export interface YoungSignIn {
  badge: boolean;
  pictures: boolean;
}

/** The sign-in methods the policy offers a student of `grade` (none for an account without a grade, such as staff). */
export function youngSignInFor(grade: string | null | undefined, policy: Policies['signIn']): YoungSignIn {
  if (!grade) return { badge: false, pictures: false };
  return { badge: policy.badgeGrades.includes(grade), pictures: policy.pictureGrades.includes(grade) };
}

/**
 * Whether a sign-in made with `method` may open an app. A badge or pictures prove less than a password (a card can be
 * picked up, pictures watched over a shoulder), so the district may keep such sign-ins to the apps it marked for young
 * students.
 */
export function mayOpenApp(method: SignInMethod, app: { forYoungStudents: boolean }, policy: Policies['signIn']): boolean {
  return method === 'password' || policy.youngApps === 'all' || app.forYoungStudents;
}

/** How a sign-in session was opened, from its `amr`: a session without one (made before badges existed) had a password. */
export function signInMethodOf(amr: readonly string[] | undefined): SignInMethod {
  if (amr?.includes(AMR_BADGE)) return 'badge';
  if (amr?.includes(AMR_PICTURES)) return 'pictures';
  return 'password';
}
