import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SAML, type Profile, type SamlConfig } from '@node-saml/node-saml';
import { generateSamlKey } from '../../src/saml/keys.js';
import type { NewServiceProvider, ServiceProvider } from '../../src/saml/service-providers.js';
import type { Services } from '../../src/services.js';

/**
 * A SAML service provider for tests, built on @node-saml/node-saml (another SAML implementation than Homeroom's):
 * a small web app with a sign-in (HTTP-Redirect or HTTP-POST AuthnRequest), an assertion consumer service that
 * lets node-saml check the Response (signature, audience, destination, recipient, InResponseTo, times), a page that
 * says who is signed in, and single logout both ways.
 */
export interface TestSp {
  url: string;
  entityId: string;
  acsUrl: string;
  sloUrl: string;
  /** The SP's own signing key and certificate (PEM). */
  key: { privateKey: string; certificate: string };
  saml: SAML;
  /** Signed-in sessions by their cookie, with what node-saml read from the assertion. */
  sessions: Map<string, Profile>;
  /** The errors node-saml raised at the ACS or the SLO endpoint, newest last. */
  errors: string[];
  /** Builds node-saml again with other options (the IdP's certificate, signing, binding …). */
  configure(options: Partial<SamlConfig>): void;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
}

function cookieOf(req: IncomingMessage, name: string): string | null {
  const match = new RegExp(`(?:^|; )${name}=([^;]+)`).exec(req.headers.cookie ?? '');
  return match ? match[1] : null;
}

/** The certificates of Homeroom's metadata (base64), as an SP administrator copies them. */
export async function idpCertificates(idpUrl: string): Promise<string[]> {
  const xml = await (await fetch(`${idpUrl}/saml/metadata`)).text();
  return [...xml.matchAll(/<ds:X509Certificate>([^<]+)</g)].map((m) => m[1]);
}

/** Registers the test SP with Homeroom: its ACS, its logout URL and its certificate (so its requests must be signed). */
export function registerTestSp(services: Services, sp: TestSp, settings: Partial<NewServiceProvider> & { name: string }): Promise<ServiceProvider> {
  return services.samlProviders.register({ entityId: sp.entityId, acs: [{ url: sp.acsUrl }], slo: { url: sp.sloUrl }, certificate: sp.key.certificate, ...settings });
}

export async function startTestSp(idpUrl: string, idpCertificate: string, name = 'sp'): Promise<TestSp> {
  const key = generateSamlKey(`test ${name}`, Date.now());
  // Cookies do not tell ports apart: each test SP on 127.0.0.1 names its own.
  const cookie = `${name}_session`;
  const sessions = new Map<string, Profile>();
  const errors: string[] = [];
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entityId = `${url}/metadata`;
  let options: SamlConfig = {
    entryPoint: `${idpUrl}/saml/sso`,
    logoutUrl: `${idpUrl}/saml/slo`,
    issuer: entityId,
    callbackUrl: `${url}/acs`,
    logoutCallbackUrl: `${url}/slo`,
    idpCert: idpCertificate,
    idpIssuer: `${idpUrl}/saml/metadata`,
    audience: entityId,
    privateKey: key.privateKey,
    publicCert: key.certificate,
    signatureAlgorithm: 'sha256',
    digestAlgorithm: 'sha256',
    identifierFormat: null,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: true,
    validateInResponseTo: 'always' as SamlConfig['validateInResponseTo'],
    acceptedClockSkewMs: 5000,
    disableRequestedAuthnContext: true,
  };
  let saml = new SAML(options);

  const send = (res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers }).end(text);
  };

  server.on('request', async (req: IncomingMessage, res: ServerResponse) => {
    const target = new URL(req.url ?? '/', url);
    try {
      if (req.method === 'GET' && target.pathname === '/') {
        const profile = sessions.get(cookieOf(req, cookie) ?? '');
        return send(res, 200, profile ? `<h1>Signed in as ${profile.nameID}</h1><a href="/logout">Sign out</a>` : '<h1>Not signed in</h1><a href="/login">Sign in</a>');
      }
      if (req.method === 'GET' && target.pathname === '/login') {
        const relayState = target.searchParams.get('relay') ?? '';
        if (options.authnRequestBinding === 'HTTP-POST') return send(res, 200, await saml.getAuthorizeFormAsync(relayState, undefined, {}));
        return send(res, 302, '', { location: await saml.getAuthorizeUrlAsync(relayState, undefined, {}) });
      }
      if (req.method === 'POST' && target.pathname === '/acs') {
        const fields = await body(req);
        const { profile } = await saml.validatePostResponseAsync(fields);
        // node-saml reads a NoPassive status as "no one signed in", without an error.
        if (!profile) {
          errors.push('no assertion (NoPassive)');
          return send(res, 401, '<h1>Not signed in</h1>');
        }
        const id = randomBytes(12).toString('hex');
        sessions.set(id, profile);
        return send(res, 303, '', { location: '/', 'set-cookie': `${cookie}=${id}; Path=/; HttpOnly` });
      }
      if (req.method === 'GET' && target.pathname === '/logout') {
        const profile = sessions.get(cookieOf(req, cookie) ?? '');
        if (!profile) return send(res, 302, '', { location: '/' });
        return send(res, 302, '', { location: await saml.getLogoutUrlAsync(profile, 'sp-relay', {}) });
      }
      if (target.pathname === '/slo') {
        const query = Object.fromEntries(target.searchParams);
        const fields = req.method === 'POST' ? await body(req) : query;
        const result = req.method === 'POST' ? await saml.validatePostRequestAsync(fields) : await saml.validateRedirectAsync(query, target.search.slice(1));
        if (fields.SAMLRequest) {
          // The IdP signs this person out of the SP: end the matching sessions, answer with a LogoutResponse.
          const request = result.profile!;
          for (const [id, profile] of sessions) if (profile.nameID === request.nameID && profile.sessionIndex === request.sessionIndex) sessions.delete(id);
          return send(res, 302, '', { location: await saml.getLogoutResponseUrlAsync(request, fields.RelayState ?? '', {}, true) });
        }
        sessions.delete(cookieOf(req, cookie) ?? '');
        return send(res, 200, `<h1>Signed out of the SP</h1><p>${result.loggedOut ? 'logged out' : ''}</p>`);
      }
      send(res, 404, 'not found');
    } catch (error) {
      errors.push((error as Error).message);
      send(res, 400, `<h1>SP error</h1><p>${(error as Error).message}</p>`);
    }
  });

  const sp: TestSp = {
    url,
    entityId,
    acsUrl: `${url}/acs`,
    sloUrl: `${url}/slo`,
    key,
    get saml() {
      return saml;
    },
    sessions,
    errors,
    configure(more) {
      options = { ...options, ...more };
      saml = new SAML(options);
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  } as TestSp;
  return sp;
}
