import type { Role } from '../accounts/account.js';
import type { Config } from '../config/load.js';
import type { I18n, Locale } from '../i18n/i18n.js';
import { sameOriginPath } from '../shared/same-origin.js';

/** Help pages Homeroom ships (views/help/<topic>.ejs), used when the district configures no links of its own. */
export const BUILT_IN_TOPICS = ['login', 'wifi'] as const;
export type HelpTopic = (typeof BUILT_IN_TOPICS)[number];

export interface HelpLink {
  id: string;
  title: string;
  url: string;
  external: boolean;
}

export function helpLinksFor(config: Config, locale: Locale, i18n: I18n, filter: { onLogin?: boolean; roles?: Role[] } = {}): HelpLink[] {
  if (config.portal.helpLinks.length === 0) {
    return BUILT_IN_TOPICS.map((topic) => ({ id: topic, title: i18n.t(locale, `help.${topic}.title`), url: `/help/${topic}`, external: false }));
  }
  return config.portal.helpLinks
    .filter((link) => (filter.onLogin ? link.showOnLogin : true))
    .filter((link) => !filter.roles || !link.roles || link.roles.some((r) => filter.roles!.includes(r)))
    .map((link) => {
      const local = sameOriginPath(link.url, config.issuer);
      return { id: link.id, title: i18n.pick(link.title, locale), url: local ?? link.url, external: local === null };
    });
}
