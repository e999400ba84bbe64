import type { Config } from '../config/load.js';
import type { ThrottleRule } from './throttle.js';

/** Every throttle rule in force, read from the live config (the policies page changes it while the server runs). */
export function throttleRules(config: Pick<Config, 'login' | 'claim' | 'recovery'>): ThrottleRule[] {
  const { login, claim, recovery } = config;
  return [login.perAccount, login.perAddress, login.perDevice, claim.perStudent, claim.perAddress, recovery.perAccount, recovery.perAddress, recovery.perDevice];
}
