import { fileURLToPath } from 'node:url';
import { ensureDemoAppClient } from '../oidc/built-in-clients.js';
import { importRoster } from '../roster/import.js';
import { rosterImportDeps, type Services } from '../services.js';
import { DEMO_ACCOUNTS, DEMO_BADGE_GRADES, DEMO_SCHOOL } from './district.js';

export interface DemoLogin {
  username: string;
  password: string | null;
  name: string;
  roles: string[];
  note: string;
}

/** The demo district's OneRoster set, shipped in the repository. */
export const DEMO_ROSTER_DIR = fileURLToPath(new URL('./roster/', import.meta.url));

/**
 * Loads the demo district through the roster importer, like a district's nightly export: as delta (so it disables
 * nobody in an existing database) and with no claim delay (so the demo students can claim at once). Then adds what
 * is not roster data: the administrator (not a OneRoster role) and the published demo passwords of the claimed
 * accounts. Accounts that already have a password are left as they are. Returns the demo logins.
 */
export async function seedDemo(services: Services): Promise<DemoLogin[]> {
  const report = await importRoster(rosterImportDeps(services, services.store, { claimDelay: 0 }), DEMO_ROSTER_DIR, { forceDelta: true });
  // Another process starting at the same moment may have loaded it first; otherwise the shipped set is broken.
  if (report.status !== 'applied' && !(await services.accounts.findByUsername(DEMO_ACCOUNTS[0].username))) {
    throw new Error(`the demo roster did not import (${report.status}): ${report.message ?? ''} ${JSON.stringify(report.errors.items.slice(0, 3))}`);
  }
  for (const demo of DEMO_ACCOUNTS) {
    const { password, note: _note, ...fields } = demo;
    const existing = await services.accounts.findByUsername(demo.username);
    try {
      if (!existing) {
        await services.accounts.create({ ...fields, schools: [DEMO_SCHOOL], passwordHash: password ? await services.hasher.hash(password) : null });
      } else if (password && !existing.passwordHash) {
        await services.accounts.setPassword(existing.id, await services.hasher.hash(password));
        await services.store.db.updateTable('accounts').set({ claimed_at: Date.now() }).where('id', '=', existing.id).execute();
      }
    } catch (error) {
      // Another process starting at the same moment seeded it first.
      if (!(await services.accounts.findByUsername(demo.username))) throw error;
    }
  }
  await ensureDemoAppClient(services);
  // Saved as the administrator's policy (not over one already set), so the console shows it and can change it.
  const admin = await services.accounts.findByUsername('admin');
  if (admin && !services.policies.current().signIn.badgeGrades.length) {
    await services.policies.save({ 'signIn.badgeGrades': DEMO_BADGE_GRADES }, { id: admin.id, ip: null });
  }
  await services.events.emit({ type: 'demo.seeded', data: { accounts: DEMO_ACCOUNTS.length, roster: report.status } });
  return DEMO_ACCOUNTS.map((a) => ({ username: a.username, password: a.password, name: `${a.givenName} ${a.familyName}`, roles: a.roles, note: a.note }));
}
