import Router from '@koa/router';
import type { Middleware } from 'koa';
import { requireSignedIn } from '../http/signed-in.js';
import type { Views } from '../http/views.js';
import type { BuiltInRelyingParty } from '../rp/relying-party.js';
import type { Services } from '../services.js';
import { consoleKit } from './console.js';
import { appsPages } from './pages/apps.js';
import { auditPages } from './pages/audit.js';
import { helpLinksPages } from './pages/help-links.js';
import { homePage } from './pages/home.js';
import { policiesPage } from './pages/policies.js';
import { rosterPages } from './pages/roster.js';

/**
 * The admin console at /admin. Every route, GET and POST alike, first checks that the person signed in through the
 * provider (sharing the portal's session) and holds the admin role; anyone else gets 403.
 */
export function adminRoutes(services: Services, views: Views, portal: BuiltInRelyingParty, verifyCsrf: Middleware): Router {
  const router = new Router();
  const kit = consoleKit(router, services, views, verifyCsrf, requireSignedIn(services, portal, ['admin']));
  for (const pages of [homePage, appsPages, helpLinksPages, policiesPage, rosterPages, auditPages]) pages(kit);
  return router;
}
