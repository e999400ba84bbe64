import { randomBytes } from 'node:crypto';
import { ROLES, type Role } from '../accounts/account.js';
import type { EventBus } from '../events/bus.js';
import { LOCALES } from '../i18n/i18n.js';
import { notFound } from '../shared/errors.js';
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

/** A page on this server (`/help/wifi`), or an https address (http only on loopback); never `javascript:` or `data:`. */
export function checkHelpUrl(value: string): string | null {
  if (value.startsWith('/')) return value.startsWith('//') || value.includes('\\') ? 'url' : null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'url';
  }
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return null;
  return 'url';
}

/** Reads the help-link form (title_en, title_fr, url, role_<role>, showOnLogin, position). */
export function parseHelpLinkForm(form: Record<string, string>): { input: HelpLinkInput | null; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const title: Record<string, string> = {};
  for (const locale of LOCALES) {
    const text = (form[`title_${locale}`] ?? '').trim();
    if (text.length > 100) errors.push({ field: `title_${locale}`, message: 'titleTooLong', params: { max: 100 } });
    else if (text) title[locale] = text;
  }
  if (!Object.keys(title).length && !errors.length) errors.push({ field: 'title_en', message: 'titleMissing' });
  const url = (form.url ?? '').trim();
  if (!url || url.length > 2000 || checkHelpUrl(url)) errors.push({ field: 'url', message: 'helpUrl' });
  const roles = ROLES.filter((role) => form[`role_${role}`] === 'on');
  const positionText = (form.position ?? '').trim() || '0';
  const position = /^-?\d{1,4}$/.test(positionText) ? Number(positionText) : null;
  if (position === null) errors.push({ field: 'position', message: 'position' });
  if (errors.length) return { input: null, errors };
  return { input: { title, url, roles: roles.length ? roles : null, showOnLogin: form.showOnLogin === 'on', position: position! }, errors };
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
