import { randomBytes } from 'node:crypto';
import { ROLES, type Role } from '../accounts/account.js';
import type { EventBus } from '../events/bus.js';
import { LOCALES } from '../i18n/i18n.js';
import { notFound } from '../shared/errors.js';
import { sameOriginPath } from '../shared/same-origin.js';
import { StaleCopy } from '../shared/stale-copy.js';
import type { FieldError } from '../shared/field-error.js';
import type { HelpLinkStore, StoredHelpLink } from './ports.js';

export interface HelpLinkInput {
  title: Record<string, string>;
  url: string;
  roles: Role[] | null;
  showOnLogin: boolean;
  position: number;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A help link's address as it is stored and shown, or null when refused: a page of this site (`/help/wifi`, checked
 * by origin against the issuer), or an address written with https:// (http:// only on loopback), normalized by the
 * URL parser so the page shows where it really leads. Never `javascript:` or `data:`, nor a "page of this site" that
 * a browser would read as another host.
 */
export function helpUrl(value: string, issuer: string): string | null {
  if (value.startsWith('/')) return sameOriginPath(value, issuer);
  if (!/^https?:\/\//i.test(value)) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.username || url.password) return null;
  if (url.protocol === 'https:' || LOOPBACK.has(url.hostname)) return url.href;
  return null;
}

/** Reads the help-link form (title_en, title_fr, url, role_<role>, showOnLogin, position). */
export function parseHelpLinkForm(form: Record<string, string>, issuer: string): { input: HelpLinkInput | null; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const title: Record<string, string> = {};
  for (const locale of LOCALES) {
    const text = (form[`title_${locale}`] ?? '').trim();
    if (text.length > 100) errors.push({ field: `title_${locale}`, message: 'titleTooLong', params: { max: 100 } });
    else if (text) title[locale] = text;
  }
  if (!Object.keys(title).length && !errors.length) errors.push({ field: 'title_en', message: 'titleMissing' });
  const typed = (form.url ?? '').trim();
  const url = typed.length <= 2000 ? helpUrl(typed, issuer) : null;
  if (!url) errors.push({ field: 'url', message: 'helpUrl' });
  const roles = ROLES.filter((role) => form[`role_${role}`] === 'on');
  const positionText = (form.position ?? '').trim() || '0';
  const position = /^-?\d{1,4}$/.test(positionText) ? Number(positionText) : null;
  if (position === null) errors.push({ field: 'position', message: 'position' });
  if (errors.length) return { input: null, errors };
  return { input: { title, url: url!, roles: roles.length ? roles : null, showOnLogin: form.showOnLogin === 'on', position: position! }, errors };
}

interface ConfigHelpLink {
  id: string;
  title: Record<string, string>;
  url: string;
  roles?: Role[];
  showOnLogin: boolean;
}

/**
 * Help-link tiles managed in the console. When the database holds any, they replace `portal.helpLinks` from the config
 * file in the live config (which the portal and the login page read); with none, the config's (or the built-in help
 * pages) are shown. Other processes pick changes up on their next refresh (every 15 seconds at most).
 */
export class HelpLinkService {
  private readonly base: ConfigHelpLink[];
  private readonly copy: StaleCopy;

  constructor(
    private readonly config: { portal: { helpLinks: ConfigHelpLink[] } },
    private readonly store: HelpLinkStore,
    private readonly events: EventBus,
    maxAgeMs = 15_000,
  ) {
    this.base = structuredClone(config.portal.helpLinks);
    this.copy = new StaleCopy(maxAgeMs);
  }

  list(): Promise<StoredHelpLink[]> {
    return this.store.list();
  }

  find(id: string): Promise<StoredHelpLink | null> {
    return this.store.find(id);
  }

  /** The links from the config file (shown while the database holds none). */
  configured(): ConfigHelpLink[] {
    return structuredClone(this.base);
  }

  async refresh(): Promise<void> {
    const links = await this.store.list();
    this.config.portal.helpLinks = links.length
      ? links.map((l) => ({ id: l.id, title: l.title, url: l.url, ...(l.roles ? { roles: l.roles } : {}), showOnLogin: l.showOnLogin }))
      : structuredClone(this.base);
    this.copy.loaded();
  }

  refreshIfStale(): Promise<void> {
    return this.copy.refreshIfStale(() => this.refresh());
  }

  async create(input: HelpLinkInput, actor: { id: string; ip: string | null }): Promise<StoredHelpLink> {
    const now = Date.now();
    const link: StoredHelpLink = { id: randomBytes(6).toString('hex'), ...input, createdAt: now, updatedAt: now };
    await this.store.insert(link);
    await this.refresh();
    await this.events.emit({ type: 'help_link.created', actorId: actor.id, subjectId: link.id, ip: actor.ip, data: { before: null, after: describe(link) } });
    return link;
  }

  async update(id: string, input: HelpLinkInput, actor: { id: string; ip: string | null }): Promise<StoredHelpLink> {
    const before = await this.store.find(id);
    if (!before) throw notFound();
    const link: StoredHelpLink = { ...before, ...input, updatedAt: Date.now() };
    await this.store.update(link);
    await this.refresh();
    await this.events.emit({ type: 'help_link.updated', actorId: actor.id, subjectId: id, ip: actor.ip, data: { before: describe(before), after: describe(link) } });
    return link;
  }

  async remove(id: string, actor: { id: string; ip: string | null }): Promise<void> {
    const before = await this.store.find(id);
    if (!before || !(await this.store.remove(id))) throw notFound();
    await this.refresh();
    await this.events.emit({ type: 'help_link.removed', actorId: actor.id, subjectId: id, ip: actor.ip, data: { before: describe(before), after: null } });
  }
}

function describe(link: StoredHelpLink) {
  return { title: link.title, url: link.url, roles: link.roles, showOnLogin: link.showOnLogin, position: link.position };
}
