import type Router from '@koa/router';
import { pageRouter, type PageDeps } from '../http/page-router.js';
import type { SignedInAs } from '../http/signed-in.js';
import { consoleKit, type ConsoleServices } from './console.js';
import { accountsPages } from './pages/accounts.js';
import { appsPages } from './pages/apps.js';
import { auditPages } from './pages/audit.js';
import { badgesPage } from './pages/badges.js';
import { googlePages } from './pages/google.js';
import { helpLinksPages } from './pages/help-links.js';
import { homePage } from './pages/home.js';
import { lettersPage } from './pages/letters.js';
import { lockoutsPage } from './pages/lockouts.js';
import { policiesPage } from './pages/policies.js';
import { rosterPages } from './pages/roster.js';
import { samlAppsPages } from './pages/saml-apps.js';

export type AdminDeps = ConsoleServices & PageDeps & { signedIn: SignedInAs };

/**
 * The admin console at /admin. Every route, GET and POST alike, first checks that the person signed in through the
 * provider (sharing the portal's session) and holds the admin role; anyone else gets 403.
 */
export function adminRoutes(deps: AdminDeps): Router {
  const router = pageRouter(deps);
  const kit = consoleKit(router, deps, deps, deps.signedIn(['admin']));
  for (const pages of [
    homePage,
    accountsPages,
    appsPages,
    samlAppsPages,
    googlePages,
    helpLinksPages,
    policiesPage,
    lockoutsPage,
    rosterPages,
    lettersPage,
    badgesPage,
    auditPages,
  ])
    pages(kit);
  return router;
}
