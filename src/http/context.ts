import type { Locale, Translate } from '../i18n/i18n.js';

/** What our middleware adds to every request's ctx.state. */
export interface RequestState {
  locale: Locale;
  t: Translate;
  csrfToken: string;
  /** Client address (X-Forwarded-For only when the proxy is trusted). */
  ip: string;
  requestId: string;
}
