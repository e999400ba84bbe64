import { randomBytes } from 'node:crypto';
import type { Account } from '../accounts/account.js';
import { accountEmail, type EmailTemplates } from '../accounts/email.js';
import type { Config } from '../config/load.js';
import type { EventBus } from '../events/bus.js';
import type { FlowStore } from '../flows/flow.js';
import { AppError, notFound } from '../shared/errors.js';
import { encodePostMessage } from './bindings.js';
import type { BridgeIdentity, BridgeLogin } from './bridge.js';
import { samlAuthnContextClass } from '../mfa/authn-context.js';
import { mayOpenApp, signInMethodOf } from '../policies/young-sign-in.js';
import type { SamlKeys } from './keys.js';
import { assertionXml, newSamlId, responseXml, STATUS, type Status } from './messages.js';
import { idpEndpoints, idpMetadataXml, type IdpEndpoints } from './metadata.js';
import { mappedAttributes, nameIdFor, personAttributes } from './person.js';
import type { SamlRequestIds, SamlSessionStore } from './ports.js';
import { SamlRefusal } from './refusal.js';
import { checkFresh, checkSignature, readAuthnRequest, receiveMessage, type IncomingParameters } from './requests.js';
import { NAME_ID_FORMATS, defaultAcs, type ServiceProvider, type ServiceProviderRegistry } from './service-providers.js';
import { signElement } from './signature.js';
import { BINDINGS } from './xml.js';

/** A message for an app, carried by the browser: a redirect (HTTP-Redirect) or an auto-posted form (HTTP-POST). */
export type Outgoing = { kind: 'redirect'; url: string } | { kind: 'post'; url: string; fields: Record<string, string> };

/** A sign-in a SAML app asked for (or a portal tile started), waiting for the person to be signed in. */
/**
 * A badge or picture sign-in reached a SAML app the district keeps for password sign-ins (policy signIn.youngApps):
 * the child gets a page that tells them to ask their teacher, not a response the app would show as an error.
 */
export class YoungAppRefusal extends AppError {
  constructor(readonly appName: string) {
    super(403, 'YOUNG_APP_NOT_ALLOWED', 'badges.restricted.body', { app: appName });
  }
}

export interface PendingSignIn {
  providerId: string;
  /** The AuthnRequest's ID; null for an unsolicited response (portal tile). */
  requestId: string | null;
  acsUrl: string;
  relayState: string | null;
  forceAuthn: boolean;
  isPassive: boolean;
  /** The browser it belongs to (a random value in its cookie); null until the browser is known. */
  browser: string | null;
  login: BridgeLogin;
}

export const PENDING_KIND = 'saml.sso';

/** What the identity provider and single logout both work with. */
export interface SamlStores {
  providers: ServiceProviderRegistry;
  keys: SamlKeys;
  sessions: SamlSessionStore;
  requestIds: SamlRequestIds;
  flows: FlowStore;
  events: EventBus;
}

export interface IdentityProviderDeps extends SamlStores {
  config: Config;
  findAccount(id: string): Promise<Account | null>;
  newLogin(state: string): BridgeLogin;
  serverSecret: string;
}

const UNSPECIFIED = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';

/**
 * Homeroom's SAML 2.0 identity provider: it checks what apps ask, remembers the request while the person signs in
 * through the provider (see bridge.ts), and answers the app with a signed Response carrying one Assertion.
 */
export class SamlIdentityProvider {
  constructor(private readonly deps: IdentityProviderDeps) {}

  get settings(): Config['saml'] {
    return this.deps.config.saml;
  }

  endpoints(): IdpEndpoints {
    return idpEndpoints(this.deps.config);
  }

  /** The certificate signing now, for service providers configured by hand (Google Workspace). */
  async signingCertificate(): Promise<string> {
    return (await this.deps.keys.signingKey()).certificate;
  }

  async metadata(): Promise<string> {
    const keys = await this.deps.keys.published();
    return idpMetadataXml(
      this.endpoints(),
      keys.map((k) => k.certificate),
    );
  }

  emailOf(account: Account): string | null {
    return accountEmail(account, this.deps.config.email.templates as EmailTemplates);
  }

  /**
   * Checks an AuthnRequest (HTTP-Redirect or HTTP-POST): a registered issuer, its signature when the app registered a
   * certificate, the destination, its age, one of the app's own assertion consumer services, and an ID never seen
   * before. Then it is kept as a pending sign-in, or answered at once when it cannot be met.
   */
  async acceptAuthnRequest(incoming: IncomingParameters): Promise<{ pending: { id: string; record: PendingSignIn } } | { answer: Outgoing }> {
    const settings = this.settings;
    const message = receiveMessage(incoming, settings);
    if (message.parameter !== 'SAMLRequest') throw new SamlRefusal('NOT_A_REQUEST', message.issuer);
    const request = readAuthnRequest(message);
    const provider = await this.deps.providers.findByEntityId(request.issuer);
    if (!provider) throw new SamlRefusal('UNKNOWN_ISSUER', request.issuer);
    if (!provider.enabled) throw new SamlRefusal('DISABLED_APP', request.issuer);
    checkSignature(message, provider.certificate, provider.entityId);
    if (request.destination && request.destination !== this.endpoints().ssoUrl) throw new SamlRefusal('WRONG_DESTINATION', provider.entityId);
    checkFresh(request.issueInstant, settings.requestLifetime, settings.clockSkew, provider.entityId);
    if (request.protocolBinding && request.protocolBinding !== BINDINGS.post) throw new SamlRefusal('UNSUPPORTED_BINDING', provider.entityId);
    const acs = request.acsUrl
      ? provider.acs.find((a) => a.url === request.acsUrl)
      : request.acsIndex !== null
        ? provider.acs.find((a) => a.index === request.acsIndex)
        : defaultAcs(provider);
    if (!acs) throw new SamlRefusal('WRONG_ACS', provider.entityId);
    const rememberUntil = request.issueInstant + (settings.requestLifetime + 2 * settings.clockSkew) * 1000;
    if (!(await this.deps.requestIds.remember(provider.id, request.id, rememberUntil))) throw new SamlRefusal('REQUEST_REPLAYED', provider.entityId);

    if (request.nameIdFormat && request.nameIdFormat !== UNSPECIFIED && request.nameIdFormat !== NAME_ID_FORMATS[provider.nameIdSource]) {
      // The app wants a NameID this registration does not send: SAML says to answer so, rather than send another.
      return { answer: await this.errorResponse(provider, acs.url, request.id, message.relayState, { code: STATUS.requester, detail: STATUS.invalidNameIdPolicy }) };
    }
    return {
      pending: await this.keepPending(provider, {
        requestId: request.id,
        acsUrl: acs.url,
        relayState: message.relayState,
        forceAuthn: request.forceAuthn,
        isPassive: request.isPassive,
      }),
    };
  }

  /** IdP-initiated sign-in (a portal tile): an unsolicited response to the app's default assertion consumer service. */
  async startUnsolicited(providerId: string): Promise<{ id: string; record: PendingSignIn }> {
    const provider = await this.deps.providers.find(providerId);
    if (!provider || !provider.enabled) throw notFound('SAML_APP_NOT_FOUND');
    return this.keepPending(provider, { requestId: null, acsUrl: defaultAcs(provider).url, relayState: provider.launchRelayState, forceAuthn: false, isPassive: false });
  }

  private async keepPending(provider: ServiceProvider, request: Omit<PendingSignIn, 'providerId' | 'browser' | 'login'>): Promise<{ id: string; record: PendingSignIn }> {
    const id = randomBytes(24).toString('base64url');
    const record: PendingSignIn = { providerId: provider.id, ...request, browser: null, login: this.deps.newLogin(id) };
    await this.deps.flows.create<PendingSignIn>({
      id,
      kind: PENDING_KIND,
      step: 'signing-in',
      context: record,
      browserKey: null,
      expiresAt: Date.now() + this.deps.config.session.interactionTtl * 1000,
    });
    return { id, record };
  }

  /** The pending sign-in, bound to this browser on first sight; a sign-in of another browser is refused. */
  async pendingFor(id: string, browser: string): Promise<PendingSignIn> {
    const flow = await this.deps.flows.get<PendingSignIn>(id);
    if (!flow || flow.kind !== PENDING_KIND) throw new SamlRefusal('REQUEST_EXPIRED_FLOW');
    if (flow.context.browser === null) {
      const bound = { ...flow.context, browser };
      if (!(await this.deps.flows.update(id, flow.version, flow.step, bound))) throw new SamlRefusal('REQUEST_EXPIRED_FLOW');
      return bound;
    }
    if (flow.context.browser !== browser) throw new SamlRefusal('REQUEST_EXPIRED_FLOW');
    return flow.context;
  }

  /**
   * Answers the app once the provider has signed the person in (or said why not). The pending record is used once:
   * a reload of the callback finds it gone.
   */
  async answer(id: string, pending: PendingSignIn, outcome: { identity: BridgeIdentity } | { error: string }, ip: string | null): Promise<Outgoing> {
    await this.deps.flows.remove(id);
    const provider = await this.deps.providers.find(pending.providerId);
    if (!provider || !provider.enabled) throw new SamlRefusal('DISABLED_APP');
    if ('error' in outcome) {
      const passive = pending.isPassive && ['login_required', 'interaction_required', 'consent_required'].includes(outcome.error);
      await this.deps.events.emit({ type: 'saml.sign_in_failed', ip, data: { app: provider.entityId, reason: outcome.error } });
      return this.errorResponse(
        provider,
        pending.acsUrl,
        pending.requestId,
        pending.relayState,
        passive ? { code: STATUS.responder, detail: STATUS.noPassive } : { code: STATUS.responder, detail: STATUS.requestDenied },
      );
    }
    const { identity } = outcome;
    const account = await this.deps.findAccount(identity.accountId);
    if (!account || account.status !== 'active') {
      await this.deps.events.emit({ type: 'saml.sign_in_failed', subjectId: identity.accountId, ip, data: { app: provider.entityId, reason: 'account_inactive' } });
      return this.errorResponse(provider, pending.acsUrl, pending.requestId, pending.relayState, { code: STATUS.responder, detail: STATUS.requestDenied });
    }
    if (!mayOpenApp(signInMethodOf(identity.amr), provider, this.deps.config.signIn)) {
      await this.deps.events.emit({ type: 'saml.sign_in_failed', subjectId: account.id, ip, data: { app: provider.entityId, reason: 'young_app_not_allowed' } });
      throw new YoungAppRefusal(provider.name);
    }
    const email = this.emailOf(account);
    const nameId = nameIdFor(provider, account, email, this.deps.serverSecret);
    if (!nameId) {
      await this.deps.events.emit({ type: 'saml.sign_in_failed', subjectId: account.id, ip, data: { app: provider.entityId, reason: 'no_email' } });
      throw new AppError(403, 'SAML_NO_EMAIL', 'saml.errors.noEmail', { app: provider.name });
    }

    const now = Date.now();
    const { clockSkew, assertionLifetime } = this.settings;
    const sessionIndex = newSamlId();
    const sessionEnds = identity.authTime + this.deps.config.session.ttl * 1000;
    const key = await this.deps.keys.signingKey(now);
    const algorithm = provider.signatureAlgorithm ?? this.settings.signatureAlgorithm;
    const assertionId = newSamlId();
    let assertion = assertionXml({
      id: assertionId,
      issuer: this.endpoints().entityId,
      issuedAt: now,
      audience: provider.entityId,
      recipient: pending.acsUrl,
      inResponseTo: pending.requestId,
      nameId,
      authnInstant: identity.authTime,
      authnContextClass: samlAuthnContextClass(identity.amr),
      sessionIndex,
      sessionNotOnOrAfter: sessionEnds,
      notBefore: now - clockSkew * 1000,
      notOnOrAfter: now + assertionLifetime * 1000,
      attributes: mappedAttributes(provider, personAttributes(account, email)),
    });
    if (provider.signAssertion) assertion = signElement(assertion, assertionId, key, algorithm);
    const responseId = newSamlId();
    let response = responseXml({
      id: responseId,
      issuer: this.endpoints().entityId,
      issuedAt: now,
      destination: pending.acsUrl,
      inResponseTo: pending.requestId,
      status: { code: STATUS.success },
      assertion,
    });
    if (provider.signResponse || !provider.signAssertion) response = signElement(response, responseId, key, algorithm);

    await this.deps.sessions.create({
      id: randomBytes(18).toString('base64url'),
      providerId: provider.id,
      accountId: account.id,
      nameId: nameId.value,
      nameIdFormat: nameId.format,
      sessionIndex,
      sid: identity.sid,
      createdAt: now,
      expiresAt: Math.max(sessionEnds, now + assertionLifetime * 1000),
      endedAt: null,
    });
    await this.deps.events.emit({
      type: 'saml.assertion_issued',
      actorId: account.id,
      subjectId: account.id,
      ip,
      data: { app: provider.entityId, nameIdFormat: nameId.format, unsolicited: pending.requestId === null },
    });
    return postTo(pending.acsUrl, 'SAMLResponse', response, pending.relayState);
  }

  /** A Response without an assertion (NoPassive, InvalidNameIDPolicy …), signed so the app can trust its status. */
  private async errorResponse(provider: ServiceProvider, acsUrl: string, inResponseTo: string | null, relayState: string | null, status: Status): Promise<Outgoing> {
    const id = newSamlId();
    const key = await this.deps.keys.signingKey();
    const xml = responseXml({ id, issuer: this.endpoints().entityId, issuedAt: Date.now(), destination: acsUrl, inResponseTo, status });
    return postTo(acsUrl, 'SAMLResponse', signElement(xml, id, key, provider.signatureAlgorithm ?? this.settings.signatureAlgorithm), relayState);
  }
}

/** The name of the SAML app a pending sign-in is for: the sign-in page says "to continue to …" as for OIDC apps. */
export async function pendingAppName(flows: FlowStore, providers: ServiceProviderRegistry, id: string): Promise<string | null> {
  const flow = id ? await flows.get<PendingSignIn>(id) : undefined;
  if (!flow || flow.kind !== PENDING_KIND) return null;
  return (await providers.find(flow.context.providerId))?.name ?? null;
}

export function postTo(url: string, parameter: 'SAMLRequest' | 'SAMLResponse', xml: string, relayState: string | null): Outgoing {
  return { kind: 'post', url, fields: { [parameter]: encodePostMessage(xml), ...(relayState !== null ? { RelayState: relayState } : {}) } };
}
