import type { EmailTemplates } from '../accounts/email.js';
import { redirectUriProblem, type ClientRecord, type ClientRegistry } from '../oidc/clients.js';
import { DOMAIN } from '../policies/definitions.js';
import { idpEndpoints } from '../saml/metadata.js';
import { AppError } from '../shared/errors.js';
import type { FieldError } from '../shared/field-error.js';
import type { Actor, AppAdmin } from './apps.js';
import type { EmailDirectory } from './ports.js';

/** The OIDC client made for Google's custom OIDC profile: one fixed id, so pressing the button again finds it. */
export const GOOGLE_OIDC_CLIENT_ID = 'google-workspace';

/** A primary domain as Google's Admin console shows it (maple-valley.example), lower-cased; null when it is not one. */
export function readPrimaryDomain(value: string | undefined): string | null {
  const domain = (value ?? '').trim().toLowerCase().replace(/\.$/, '');
  return DOMAIN.test(domain) ? domain : null;
}

/** Google's redirect URI for the OIDC profile: an https address of Google's own (the Admin console shows it). */
export function googleRedirectUriError(value: string): FieldError | null {
  const problem = value.length > 2000 ? 'notAbsolute' : redirectUriProblem(value);
  if (problem) return { field: 'redirectUri', message: `uri.${problem}`, params: { uri: value.slice(0, 200) } };
  const host = new URL(value).hostname;
  if (host !== 'google.com' && !host.endsWith('.google.com')) return { field: 'redirectUri', message: 'googleRedirectUri' };
  return null;
}

/** What to paste into Google's Admin console, for the SAML profile and for the custom OIDC profile. */
export function googleProfileValues(config: { issuer: string; saml: { entityId?: string } }) {
  const { issuer } = config;
  const idp = idpEndpoints(config);
  return {
    saml: {
      entityId: idp.entityId,
      signInUrl: idp.ssoUrl,
      // Homeroom's own sign-out page: Google has no SAML single logout, so it sends people there.
      signOutUrl: `${issuer}/session/end`,
      changePasswordUrl: `${issuer}/recover`,
      certificateUrl: `${issuer}/saml/certificate.pem`,
      metadataUrl: `${issuer}/saml/metadata`,
    },
    oidc: {
      issuer,
      discoveryUrl: `${issuer}/.well-known/openid-configuration`,
      changePasswordUrl: `${issuer}/recover`,
    },
  };
}

/** How many accounts cannot use Google, and why: no address at all, or a roster address outside the domain. */
export interface EmailReadiness {
  withoutEmail: { total: number; rows: Awaited<ReturnType<EmailDirectory['withoutEmail']>>['rows'] };
  /** Null until a domain is given. */
  outsideDomain: { rosterEmails: number; templates: { role: string; template: string }[] } | null;
}

/** Connecting Google Workspace: the OIDC client for its custom OIDC profile, and which accounts it cannot know. */
export class GoogleWorkspaceSetup {
  constructor(
    private readonly clients: ClientRegistry,
    private readonly apps: AppAdmin,
    private readonly directory: EmailDirectory,
    private readonly templates: () => EmailTemplates,
  ) {}

  oidcClient(): Promise<ClientRecord | null> {
    return this.clients.find(GOOGLE_OIDC_CLIENT_ID);
  }

  /**
   * Makes the OIDC client for Google's redirect URI: confidential, first party (no consent screen), allowed the
   * `email` claim Google signs people in by. When it exists already nothing changes (its secret is not shown again:
   * its app page can rotate it); `created` says which.
   */
  async ensureOidcClient(redirectUri: string, actor: Actor): Promise<{ client: ClientRecord; clientSecret: string | null; created: boolean }> {
    const existing = await this.oidcClient();
    if (existing) return { client: existing, clientSecret: null, created: false };
    try {
      const { client, clientSecret } = await this.apps.create(
        {
          clientId: GOOGLE_OIDC_CLIENT_ID,
          name: 'Google Workspace',
          names: { en: 'Google Workspace' },
          redirectUris: [redirectUri],
          firstParty: true,
          scopes: ['openid', 'email', 'profile'],
        },
        { kind: 'keep' },
        actor,
      );
      return { client, clientSecret, created: true };
    } catch (error) {
      // Another press (another tab, another administrator) made it first: that one stands.
      const raced = error instanceof AppError && error.code === 'CLIENT_EXISTS' ? await this.oidcClient() : null;
      if (raced) return { client: raced, clientSecret: null, created: false };
      throw error;
    }
  }

  async emailReadiness(domain: string | null, page: { offset: number; limit: number }): Promise<EmailReadiness> {
    const templates = this.templates();
    const [withoutEmail, rosterEmails] = await Promise.all([
      this.directory.withoutEmail(templates, page),
      domain ? this.directory.rosterEmailsOutside(domain) : Promise.resolve(0),
    ]);
    const outside = (template: string) => {
      const host = template.slice(template.lastIndexOf('@') + 1).toLowerCase();
      return host !== domain && !host.endsWith(`.${domain}`);
    };
    return {
      withoutEmail,
      outsideDomain: domain
        ? {
            rosterEmails,
            templates: Object.entries(templates)
              .filter(([, t]) => t && outside(t))
              .map(([role, template]) => ({ role, template: template! })),
          }
        : null,
    };
  }
}
