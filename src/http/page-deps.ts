import type { Csrf } from './middleware/csrf.js';
import type { Views } from './views.js';

/** What every router serving our pages receives: the views, and the CSRF token it issues and checks. */
export interface PageDeps {
  views: Views;
  csrf: Csrf;
}
