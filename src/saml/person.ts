import { createHmac } from 'node:crypto';
import { displayName, type Account, type Role } from '../accounts/account.js';
import type { AttributeValues } from './messages.js';
import { ATTRIBUTES, NAME_ID_FORMATS, type AttributeKey, type ServiceProvider } from './service-providers.js';

/** eduPerson affiliations (eduPerson 2021) of Homeroom's roles; everyone is also a `member`. */
const AFFILIATIONS: Record<Role, string[]> = {
  student: ['student'],
  teacher: ['faculty', 'employee'],
  staff: ['staff', 'employee'],
  helpdesk: ['staff', 'employee'],
  admin: ['staff', 'employee'],
};

export function affiliations(roles: readonly Role[]): string[] {
  return [...new Set([...roles.flatMap((role) => AFFILIATIONS[role] ?? []), 'member'])];
}

/** What an assertion can say about a person, before an app's mapping names (or leaves out) each attribute. */
export function personAttributes(account: Account, email: string | null): Record<AttributeKey, string[]> {
  return {
    uid: [account.username],
    mail: email ? [email] : [],
    givenName: [account.givenName],
    sn: [account.familyName],
    displayName: [displayName(account)],
    eduPersonAffiliation: affiliations(account.roles),
    grade: account.grade ? [account.grade] : [],
    school: account.schools.map((s) => s.name),
  };
}

export function mappedAttributes(provider: ServiceProvider, values: Record<AttributeKey, string[]>): AttributeValues[] {
  return ATTRIBUTES.filter((key) => provider.attributes[key]).map((key) => ({ name: provider.attributes[key]!, values: values[key] }));
}

/**
 * The NameID an app receives. `persistent` is an opaque id of its own for each app (apps cannot correlate people
 * between them), stable as long as the account and the server secret are.
 */
export function nameIdFor(provider: ServiceProvider, account: Account, email: string | null, serverSecret: string): { value: string; format: string } | null {
  const format = NAME_ID_FORMATS[provider.nameIdSource];
  switch (provider.nameIdSource) {
    case 'username':
      return { value: account.username, format };
    case 'email':
      return email ? { value: email, format } : null;
    case 'persistent':
      return { value: createHmac('sha256', serverSecret).update(`saml-persistent:${provider.entityId}:${account.id}`).digest('base64url'), format };
  }
}
