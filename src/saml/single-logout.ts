import { encodeRedirectMessage } from './bindings.js';
import { postTo, type Outgoing, type SamlIdentityProvider, type SamlStores } from './identity-provider.js';
import { logoutRequestXml, logoutResponseXml, newSamlId, STATUS } from './messages.js';
import type { SamlSession } from './ports.js';
import { SamlRefusal } from './refusal.js';
import { checkFresh, checkSignature, readLogoutRequest, readLogoutResponse, receiveMessage, type IncomingParameters } from './requests.js';
import type { ServiceProvider } from './service-providers.js';
import { signedRedirectQuery, signElement } from './signature.js';

interface OwedLogout {
  providerId: string;
  nameId: string;
  nameIdFormat: string;
  sessionIndex: string;
}

/**
 * Single logout through the browser: one LogoutRequest to each app in turn, each app's LogoutResponse bringing the
 * browser back for the next, then the end (where the sign-out was going, or the LogoutResponse an app asked for). The
 * chain is a record (its id rides in RelayState), so a slow app or a reload does not lose it.
 */
interface LogoutChain {
  queue: OwedLogout[];
  /** The LogoutRequest the browser carries now. */
  current: { providerId: string; requestId: string } | null;
  finish: { kind: 'redirect'; url: string } | { kind: 'respond'; providerId: string; inResponseTo: string; relayState: string | null };
  /** An app answered with a failure: the requester is told PartialLogout. */
  partial: boolean;
}

const CHAIN_KIND = 'saml.logout';

export interface SingleLogoutDeps extends SamlStores {
  idp: SamlIdentityProvider;
  /** Ends the provider's sign-in session known to the bridge by `sid`, and tells the OIDC apps (back-channel logout). */
  endSignInSession(accountId: string, sid: string): Promise<void>;
  /** Where a sign-out that an app started ends when the app cannot be answered (it has no logout URL). */
  signedOutUrl: string;
}

export class SamlSingleLogout {
  constructor(private readonly deps: SingleLogoutDeps) {}

  /**
   * After Homeroom's sign-in session ended (the portal's or an OIDC app's sign-out): the SAML apps it had signed in
   * to are sent a LogoutRequest each through the browser, then the browser goes on to `returnTo`. Null when no app is
   * owed one.
   */
  async startAfterSignOut(sid: string, returnTo: string): Promise<string | null> {
    const sessions = await this.deps.sessions.bySid(sid);
    const queue = await this.owed(sessions);
    await this.deps.sessions.remove(sessions.map((s) => s.id));
    if (!queue.length) return null;
    return this.createChain({ queue, current: null, finish: { kind: 'redirect', url: returnTo }, partial: false });
  }

  /** A LogoutRequest (an app signs the person out) or a LogoutResponse (an app answers the chain), by either binding. */
  async receive(incoming: IncomingParameters, ip: string | null): Promise<Outgoing> {
    const message = receiveMessage(incoming, this.deps.idp.settings);
    const provider = message.issuer ? await this.deps.providers.findByEntityId(message.issuer) : null;
    if (!provider) throw new SamlRefusal('UNKNOWN_ISSUER', message.issuer);
    const signed = checkSignature(message, provider.certificate, provider.entityId);
    const { sloUrl } = this.deps.idp.endpoints();
    const { requestLifetime, clockSkew } = this.deps.idp.settings;

    if (message.parameter === 'SAMLResponse') {
      const response = readLogoutResponse(message);
      if (response.destination && response.destination !== sloUrl) throw new SamlRefusal('WRONG_DESTINATION', provider.entityId);
      const chainId = message.relayState ?? '';
      const flow = chainId ? await this.deps.flows.get<LogoutChain>(chainId) : undefined;
      if (!flow || flow.kind !== CHAIN_KIND || flow.context.current?.providerId !== provider.id || flow.context.current.requestId !== response.inResponseTo) {
        throw new SamlRefusal('UNEXPECTED_RESPONSE', provider.entityId);
      }
      const chain = { ...flow.context, current: null, partial: flow.context.partial || !response.success };
      if (!(await this.deps.flows.update(chainId, flow.version, 'sending', chain))) throw new SamlRefusal('UNEXPECTED_RESPONSE', provider.entityId);
      return this.next(chainId);
    }

    const request = readLogoutRequest(message);
    if (request.destination && request.destination !== sloUrl) throw new SamlRefusal('WRONG_DESTINATION', provider.entityId);
    checkFresh(request.issueInstant, requestLifetime, clockSkew, provider.entityId);
    if (request.notOnOrAfter !== null && request.notOnOrAfter < Date.now() - clockSkew * 1000) throw new SamlRefusal('REQUEST_EXPIRED', provider.entityId);
    const rememberUntil = request.issueInstant + (requestLifetime + 2 * clockSkew) * 1000;
    if (!(await this.deps.requestIds.remember(provider.id, request.id, rememberUntil))) throw new SamlRefusal('REQUEST_REPLAYED', provider.entityId);

    const named = (await Promise.all(request.sessionIndexes.map((index) => this.deps.sessions.findByIndex(provider.id, index)))).filter(
      (s): s is SamlSession => s !== undefined && s.nameId === request.nameId,
    );
    // An unsigned request must name a session the app was told of: its SessionIndex is then the proof.
    if (!signed && named.length === 0) throw new SamlRefusal('UNKNOWN_SESSION', provider.entityId);

    const queue: OwedLogout[] = [];
    for (const session of named) {
      const others = (await this.deps.sessions.bySid(session.sid)).filter((s) => s.providerId !== provider.id);
      await this.deps.endSignInSession(session.accountId, session.sid);
      queue.push(...(await this.owed(others)));
      await this.deps.sessions.remove([session.id, ...others.map((s) => s.id)]);
    }
    await this.deps.events.emit({
      type: 'saml.logout_requested',
      subjectId: named[0]?.accountId ?? null,
      ip,
      data: { app: provider.entityId, sessions: named.length, otherApps: queue.length },
    });
    const finish: LogoutChain['finish'] = provider.slo
      ? { kind: 'respond', providerId: provider.id, inResponseTo: request.id, relayState: message.relayState }
      : { kind: 'redirect', url: this.deps.signedOutUrl };
    return this.next(await this.createChain({ queue, current: null, finish, partial: false }));
  }

  /** The chain's next message: a LogoutRequest to the next app, or its end. */
  async next(chainId: string): Promise<Outgoing> {
    const flow = await this.deps.flows.get<LogoutChain>(chainId);
    if (!flow || flow.kind !== CHAIN_KIND) throw new SamlRefusal('REQUEST_EXPIRED_FLOW');
    const chain = flow.context;
    for (let i = 0; i < chain.queue.length; i += 1) {
      const owed = chain.queue[i];
      const provider = await this.deps.providers.find(owed.providerId);
      if (!provider?.slo) continue;
      const requestId = newSamlId();
      const rest = { ...chain, queue: chain.queue.slice(i + 1), current: { providerId: provider.id, requestId } };
      if (!(await this.deps.flows.update(chainId, flow.version, 'sending', rest))) throw new SamlRefusal('REQUEST_EXPIRED_FLOW');
      return this.logoutRequest(provider, owed, requestId, chainId);
    }
    await this.deps.flows.remove(chainId);
    if (chain.finish.kind === 'redirect') return { kind: 'redirect', url: chain.finish.url };
    const requester = await this.deps.providers.find(chain.finish.providerId);
    if (!requester?.slo) return { kind: 'redirect', url: this.deps.signedOutUrl };
    await this.deps.events.emit({ type: 'saml.logout_completed', data: { app: requester.entityId, partial: chain.partial } });
    return this.logoutResponse(requester, chain.finish.inResponseTo, chain.finish.relayState, chain.partial);
  }

  /** The apps owed a LogoutRequest among these sessions: those with a logout URL, once each (the newest session). */
  private async owed(sessions: SamlSession[]): Promise<OwedLogout[]> {
    const newest = new Map<string, SamlSession>();
    for (const s of sessions) if (!newest.has(s.providerId) || newest.get(s.providerId)!.createdAt < s.createdAt) newest.set(s.providerId, s);
    const out: OwedLogout[] = [];
    for (const s of newest.values()) {
      const provider = await this.deps.providers.find(s.providerId);
      if (provider?.slo && provider.enabled) out.push({ providerId: s.providerId, nameId: s.nameId, nameIdFormat: s.nameIdFormat, sessionIndex: s.sessionIndex });
    }
    return out;
  }

  private async createChain(chain: LogoutChain): Promise<string> {
    const id = newSamlId().slice(1);
    await this.deps.flows.create<LogoutChain>({
      id,
      kind: CHAIN_KIND,
      step: 'sending',
      context: chain,
      browserKey: null,
      expiresAt: Date.now() + this.deps.idp.settings.requestLifetime * 4 * 1000,
    });
    return id;
  }

  private async logoutRequest(provider: ServiceProvider, owed: OwedLogout, requestId: string, chainId: string): Promise<Outgoing> {
    const slo = provider.slo!;
    const now = Date.now();
    const xml = logoutRequestXml({
      id: requestId,
      issuer: this.deps.idp.endpoints().entityId,
      issuedAt: now,
      destination: slo.url,
      nameId: { value: owed.nameId, format: owed.nameIdFormat },
      sessionIndex: owed.sessionIndex,
      notOnOrAfter: now + this.deps.idp.settings.requestLifetime * 1000,
    });
    return this.send(provider, slo.url, 'SAMLRequest', xml, requestId, chainId);
  }

  private async logoutResponse(provider: ServiceProvider, inResponseTo: string, relayState: string | null, partial: boolean): Promise<Outgoing> {
    const slo = provider.slo!;
    const destination = slo.responseUrl ?? slo.url;
    const id = newSamlId();
    const xml = logoutResponseXml({
      id,
      issuer: this.deps.idp.endpoints().entityId,
      issuedAt: Date.now(),
      destination,
      inResponseTo,
      status: partial ? { code: STATUS.success, detail: STATUS.partialLogout } : { code: STATUS.success },
    });
    return this.send(provider, destination, 'SAMLResponse', xml, id, relayState);
  }

  /** Signed either way: by the query string (HTTP-Redirect) or an enveloped signature (HTTP-POST). */
  private async send(provider: ServiceProvider, url: string, parameter: 'SAMLRequest' | 'SAMLResponse', xml: string, id: string, relayState: string | null): Promise<Outgoing> {
    const key = await this.deps.keys.signingKey();
    const algorithm = provider.signatureAlgorithm ?? this.deps.idp.settings.signatureAlgorithm;
    if (provider.slo!.binding === 'post') return postTo(url, parameter, signElement(xml, id, key, algorithm), relayState);
    const query = signedRedirectQuery(parameter, encodeRedirectMessage(xml), relayState, key, algorithm);
    return { kind: 'redirect', url: `${url}${url.includes('?') ? '&' : '?'}${query}` };
  }
}
