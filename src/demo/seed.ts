import { ensureDemoAppClient } from '../oidc/built-in-clients.js';
import type { Services } from '../services.js';
import { DEMO_ACCOUNTS, DEMO_SCHOOL } from './district.js';

export interface DemoLogin {
  username: string;
  password: string | null;
  name: string;
  roles: string[];
  note: string;
}

/** Loads the demo district; accounts that already exist are left as they are. Returns the demo logins. */
export async function seedDemo(services: Services): Promise<DemoLogin[]> {
  for (const demo of DEMO_ACCOUNTS) {
    if (await services.accounts.findByUsername(demo.username)) continue;
    const { password, note: _note, ...fields } = demo;
    try {
      await services.accounts.create({
        ...fields,
        schools: [DEMO_SCHOOL],
        passwordHash: password ? await services.hasher.hash(password) : null,
      });
    } catch (error) {
      // Another process starting at the same moment seeded it first.
      if (!(await services.accounts.findByUsername(demo.username))) throw error;
    }
  }
  await ensureDemoAppClient(services);
  await services.events.emit({ type: 'demo.seeded', data: { accounts: DEMO_ACCOUNTS.length } });
  return DEMO_ACCOUNTS.map((a) => ({ username: a.username, password: a.password, name: `${a.givenName} ${a.familyName}`, roles: a.roles, note: a.note }));
}
