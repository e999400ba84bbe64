import { ROLES } from '../accounts/account.js';
import type { EventBus } from '../events/bus.js';
import { LOCALES } from '../i18n/i18n.js';
import { DEMO_APP_CLIENT_ID, PORTAL_CLIENT_ID } from '../oidc/built-in-clients.js';
import { CLIENT_SCOPES, redirectUriProblem, type ClientScope, type ClientRecord, type ClientRegistry, type NewClient } from '../oidc/clients.js';
import { AppError, notFound } from '../shared/errors.js';
import type { FieldError } from '../shared/field-error.js';
import { sanitizeSvgIcon } from './svg-icon.js';
import { parseGradeList } from '../accounts/grade-code.js';

/** A client id as the console's paths accept it. */
export const CLIENT_ID = /^[A-Za-z0-9._-]{3,100}$/;

/** Homeroom's own apps: listed in the console, but their URIs, type, scopes and secret follow the code, not the form. */
export const BUILT_IN_CLIENT_IDS: readonly string[] = [PORTAL_CLIENT_ID, DEMO_APP_CLIENT_ID];

export const isBuiltIn = (clientId: string) => BUILT_IN_CLIENT_IDS.includes(clientId);

/** The app's icon URL, versioned so a new upload is fetched at once although icons are cached. */
export function iconUrl(client: Pick<ClientRecord, 'clientId' | 'iconEtag'>): string | null {
  return client.iconEtag ? `/apps/${encodeURIComponent(client.clientId)}/icon?v=${client.iconEtag}` : null;
}

/** Largest icon accepted. */
export const MAX_ICON_BYTES = 256 * 1024;

export type IconType = 'image/png' | 'image/jpeg' | 'image/webp' | 'image/svg+xml';

/** The icon's type from its bytes (never from its name or the browser's claim); null when it is none we accept. */
export function sniffIconType(data: Buffer): IconType | null {
  if (data.length >= 8 && data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  if (data.length >= 12 && data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  const text = svgText(data);
  if (text !== null && /^(?:<\?xml[^>]*\?>|<!--[\s\S]*?-->|<!DOCTYPE svg[^>[]*>|\s)*<svg[\s>]/i.test(text) && /<\/svg\s*>\s*$/i.test(text)) return 'image/svg+xml';
  return null;
}

function svgText(data: Buffer): string | null {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(data).replace(/^\uFEFF/, '');
  return text.includes('\uFFFD') ? null : text;
}

export interface UploadedFile {
  filename: string;
  data: Buffer;
  /** True when the upload was cut at the size limit. */
  truncated: boolean;
}

export type IconChange = { kind: 'keep' } | { kind: 'remove' } | { kind: 'set'; contentType: IconType; data: Buffer };

export async function readIcon(file: UploadedFile | null, remove: boolean): Promise<{ change: IconChange; error: FieldError | null }> {
  if (file && (file.data.length > 0 || file.truncated)) {
    if (file.truncated || file.data.length > MAX_ICON_BYTES)
      return { change: { kind: 'keep' }, error: { field: 'icon', message: 'iconTooLarge', params: { max: MAX_ICON_BYTES / 1024 } } };
    const type = sniffIconType(file.data);
    if (!type) return { change: { kind: 'keep' }, error: { field: 'icon', message: 'iconType' } };
    if (type !== 'image/svg+xml') return { change: { kind: 'set', contentType: type, data: file.data }, error: null };
    // Served with a CSP that forbids scripts and shown with <img>, which never runs them; and sanitized all the same.
    const svg = await sanitizeSvgIcon(svgText(file.data)!);
    if (!svg.ok) return { change: { kind: 'keep' }, error: { field: 'icon', message: svg.problem } };
    return { change: { kind: 'set', contentType: type, data: Buffer.from(svg.svg) }, error: null };
  }
  return { change: remove ? { kind: 'remove' } : { kind: 'keep' }, error: null };
}

export interface AppFormResult {
  input: Omit<NewClient, 'clientId' | 'clientSecret'> | null;
  errors: FieldError[];
}

export function lines(text: string | undefined): string[] {
  return (text ?? '')
    .split(/[\r\n]+/)
    .map((l) => l.trim())
    .filter(Boolean);
}

function checkUris(field: string, uris: string[], errors: FieldError[]): void {
  if (uris.length > 20) errors.push({ field, message: 'tooManyUris', params: { max: 20 } });
  for (const uri of uris) {
    const problem = uri.length > 2000 ? 'notAbsolute' : redirectUriProblem(uri);
    if (problem) {
      errors.push({ field, message: `uri.${problem}`, params: { uri: uri.slice(0, 200) } });
      return;
    }
  }
}

/** The tile's name and description per language, as every app form (OIDC or SAML) has them. */
export function parseNames(form: Record<string, string>, errors: FieldError[]): { names: Record<string, string>; descriptions: Record<string, string> } {
  const names: Record<string, string> = {};
  const descriptions: Record<string, string> = {};
  for (const locale of LOCALES) {
    const name = (form[`name_${locale}`] ?? '').trim();
    const description = (form[`description_${locale}`] ?? '').trim();
    if (name.length > 100) errors.push({ field: `name_${locale}`, message: 'nameTooLong', params: { max: 100 } });
    else if (name) names[locale] = name;
    if (description.length > 300) errors.push({ field: `description_${locale}`, message: 'descriptionTooLong', params: { max: 300 } });
    else if (description) descriptions[locale] = description;
  }
  if (!Object.keys(names).length && !errors.some((e) => e.field.startsWith('name_'))) errors.push({ field: 'name_en', message: 'nameMissing' });
  return { names, descriptions };
}

/** The name an app is known by where one language is needed (the audit log, the CLI). */
export const defaultNameOf = (names: Record<string, string>) => names.en ?? Object.values(names)[0];

/** Who sees the app's portal tile, by the same rules for OIDC and SAML apps. */
export function parseTile(form: Record<string, string>, knownSchools: ReadonlySet<string>, errors: FieldError[]) {
  const roles = ROLES.filter((r) => form[`role_${r}`] === 'on');
  const schools = Object.keys(form)
    .filter((k) => k.startsWith('school_') && form[k] === 'on')
    .map((k) => k.slice('school_'.length));
  const unknownSchool = schools.find((s) => !knownSchools.has(s));
  if (unknownSchool) errors.push({ field: 'schools', message: 'unknownSchool' });
  const { grades, invalid } = parseGradeList(form.grades ?? '');
  if (grades.length > 30 || invalid.length) errors.push({ field: 'grades', message: 'grades' });
  return {
    portal: form.portal === 'on',
    portalRoles: roles.length ? roles : null,
    portalSchools: schools.length ? schools : null,
    portalGrades: grades.length ? grades : null,
    forYoungStudents: form.forYoungStudents === 'on',
  };
}

/** The form's values for the names and the tile of an existing app (OIDC or SAML). */
export function namesAndTileValues(
  app: Pick<ClientRecord, 'name' | 'names' | 'descriptions' | 'portal' | 'portalRoles' | 'portalSchools' | 'portalGrades' | 'forYoungStudents'>,
): Record<string, string> {
  const form: Record<string, string> = {
    portal: app.portal ? 'on' : '',
    grades: (app.portalGrades ?? []).join(', '),
    forYoungStudents: app.forYoungStudents ? 'on' : '',
  };
  for (const locale of LOCALES) {
    form[`name_${locale}`] = app.names[locale] ?? (locale === 'en' && !Object.keys(app.names).length ? app.name : '');
    form[`description_${locale}`] = app.descriptions[locale] ?? '';
  }
  for (const role of app.portalRoles ?? []) form[`role_${role}`] = 'on';
  for (const school of app.portalSchools ?? []) form[`school_${school}`] = 'on';
  return form;
}

/**
 * Reads the app form. For a built-in app only what cannot break it is taken from the form (names, descriptions and
 * who sees the tile); everything else is kept from `existing`.
 */
export function parseAppForm(form: Record<string, string>, options: { existing: ClientRecord | null; knownSchools: ReadonlySet<string> }): AppFormResult {
  const errors: FieldError[] = [];
  const { existing } = options;
  const builtIn = existing ? isBuiltIn(existing.clientId) : false;

  const { names, descriptions } = parseNames(form, errors);

  const redirectUris = builtIn ? existing!.redirectUris : lines(form.redirectUris);
  const postLogoutRedirectUris = builtIn ? existing!.postLogoutRedirectUris : lines(form.postLogoutRedirectUris);
  const backchannelLogoutUri = builtIn ? existing!.backchannelLogoutUri : (form.backchannelLogoutUri ?? '').trim() || null;
  const launchUrl = builtIn ? existing!.launchUrl : (form.launchUrl ?? '').trim() || null;
  if (!builtIn) {
    if (!redirectUris.length) errors.push({ field: 'redirectUris', message: 'redirectUriMissing' });
    checkUris('redirectUris', redirectUris, errors);
    checkUris('postLogoutRedirectUris', postLogoutRedirectUris, errors);
    if (backchannelLogoutUri) checkUris('backchannelLogoutUri', [backchannelLogoutUri], errors);
    if (launchUrl) checkUris('launchUrl', [launchUrl], errors);
  }

  const type = existing ? (existing.public ? 'public' : 'confidential') : form.clientType;
  if (type !== 'public' && type !== 'confidential') errors.push({ field: 'clientType', message: 'clientType' });

  const scopes = builtIn ? (existing!.scopes as ClientScope[] | null) : ['openid' as const, ...CLIENT_SCOPES.filter((s) => s !== 'openid' && form[`scope_${s}`] === 'on')];

  const tile = parseTile(form, options.knownSchools, errors);

  if (errors.length) return { input: null, errors };
  return {
    input: {
      name: defaultNameOf(names),
      names,
      descriptions,
      redirectUris,
      postLogoutRedirectUris,
      backchannelLogoutUri,
      launchUrl,
      public: type === 'public',
      firstParty: builtIn ? existing!.firstParty : form.firstParty === 'on',
      scopes,
      ...tile,
    },
    errors,
  };
}

/** The form's values for an existing app (to show it for editing). */
export function appFormValues(client: ClientRecord): Record<string, string> {
  const form: Record<string, string> = {
    ...namesAndTileValues(client),
    redirectUris: client.redirectUris.join('\n'),
    postLogoutRedirectUris: client.postLogoutRedirectUris.join('\n'),
    backchannelLogoutUri: client.backchannelLogoutUri ?? '',
    launchUrl: client.launchUrl ?? '',
    clientType: client.public ? 'public' : 'confidential',
    firstParty: client.firstParty ? 'on' : '',
  };
  for (const scope of client.scopes ?? CLIENT_SCOPES) form[`scope_${scope}`] = 'on';
  return form;
}

/** What the audit log keeps of an app (never its secret). */
export function describeApp(client: ClientRecord) {
  return {
    name: client.name,
    names: client.names,
    descriptions: client.descriptions,
    redirectUris: client.redirectUris,
    postLogoutRedirectUris: client.postLogoutRedirectUris,
    backchannelLogoutUri: client.backchannelLogoutUri,
    launchUrl: client.launchUrl,
    public: client.public,
    firstParty: client.firstParty,
    forYoungStudents: client.forYoungStudents,
    scopes: client.scopes,
    portal: client.portal,
    portalRoles: client.portalRoles,
    portalSchools: client.portalSchools,
    portalGrades: client.portalGrades,
    enabled: client.enabled,
    icon: client.iconEtag,
  };
}

export interface Actor {
  id: string;
  ip: string | null;
}

/** The console's actions on apps: each goes through the registry and is audited with the app before and after. */
export class AppAdmin {
  constructor(
    private readonly clients: ClientRegistry,
    private readonly events: EventBus,
  ) {}

  private async existing(clientId: string): Promise<ClientRecord> {
    const client = await this.clients.find(clientId);
    if (!client) throw notFound('CLIENT_NOT_FOUND');
    return client;
  }

  private refuseBuiltIn(clientId: string): void {
    if (isBuiltIn(clientId)) throw new AppError(409, 'BUILT_IN_CLIENT', 'admin.apps.errors.builtIn');
  }

  async create(input: Omit<NewClient, 'clientSecret'>, icon: IconChange, actor: Actor): Promise<{ client: ClientRecord; clientSecret: string | null }> {
    const { client, clientSecret } = await this.clients.register(input);
    if (icon.kind === 'set') client.iconEtag = await this.clients.setIcon(client.clientId, { contentType: icon.contentType, data: icon.data });
    await this.events.emit({
      type: 'client.created',
      actorId: actor.id,
      subjectId: client.clientId,
      ip: actor.ip,
      data: { via: 'console', before: null, after: describeApp(client) },
    });
    return { client, clientSecret };
  }

  async update(clientId: string, input: Omit<NewClient, 'clientId' | 'clientSecret' | 'public'>, icon: IconChange, actor: Actor): Promise<ClientRecord> {
    const before = await this.existing(clientId);
    const after = await this.clients.update(clientId, input, { builtIn: isBuiltIn(clientId) });
    if (icon.kind === 'set') after.iconEtag = await this.clients.setIcon(clientId, { contentType: icon.contentType, data: icon.data });
    if (icon.kind === 'remove') after.iconEtag = await this.clients.setIcon(clientId, null);
    await this.events.emit({ type: 'client.updated', actorId: actor.id, subjectId: clientId, ip: actor.ip, data: { before: describeApp(before), after: describeApp(after) } });
    return after;
  }

  async setEnabled(clientId: string, enabled: boolean, actor: Actor): Promise<void> {
    this.refuseBuiltIn(clientId);
    const before = await this.existing(clientId);
    await this.clients.setEnabled(clientId, enabled);
    const after = { ...before, enabled };
    await this.events.emit({
      type: enabled ? 'client.enabled' : 'client.disabled',
      actorId: actor.id,
      subjectId: clientId,
      ip: actor.ip,
      data: { before: { enabled: before.enabled }, after: { enabled: after.enabled } },
    });
  }

  async rotateSecret(clientId: string, actor: Actor): Promise<string> {
    this.refuseBuiltIn(clientId);
    await this.existing(clientId);
    const secret = await this.clients.rotateSecret(clientId);
    await this.events.emit({
      type: 'client.secret_rotated',
      actorId: actor.id,
      subjectId: clientId,
      ip: actor.ip,
      data: { before: { secret: 'previous' }, after: { secret: 'new' } },
    });
    return secret;
  }

  async remove(clientId: string, actor: Actor): Promise<void> {
    this.refuseBuiltIn(clientId);
    const before = await this.existing(clientId);
    if (!(await this.clients.remove(clientId))) throw notFound('CLIENT_NOT_FOUND');
    await this.events.emit({ type: 'client.removed', actorId: actor.id, subjectId: clientId, ip: actor.ip, data: { via: 'console', before: describeApp(before), after: null } });
  }
}
