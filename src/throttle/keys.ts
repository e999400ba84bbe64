/**
 * The throttle counters' keys, in one place: the domain counts under them; claiming, the account-reset ticket and the
 * lockout report read them.
 */
export const throttleKeys = {
  loginAccount: (usernameKey: string) => `login:account:${usernameKey}`,
  loginAddress: (ip: string) => `login:address:${ip}`,
  loginDevice: (deviceId: string) => `login:device:${deviceId}`,
  secondFactorAccount: (usernameKey: string) => `mfa:account:${usernameKey}`,
  recoveryAccount: (usernameKey: string) => `recovery:account:${usernameKey}`,
  recoveryAddress: (ip: string) => `recovery:address:${ip}`,
  recoveryDevice: (deviceId: string) => `recovery:device:${deviceId}`,
  claimStudent: (foldedStudentId: string) => `claim:student:${foldedStudentId || '-'}`,
  claimAddress: (ip: string) => `claim:address:${ip}`,
};

/** The counters that lock an account's sign-in and recovery: a fresh start clears them (claim, account reset). */
export function accountCounters(usernameKey: string): string[] {
  return [throttleKeys.loginAccount(usernameKey), throttleKeys.recoveryAccount(usernameKey), throttleKeys.secondFactorAccount(usernameKey)];
}

/** Prefixes of the per-account counters, by flow (what the lockout report lists). */
export const ACCOUNT_COUNTER_PREFIXES = { login: 'login:account:', recovery: 'recovery:account:' } as const;
