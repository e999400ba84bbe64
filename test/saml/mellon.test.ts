import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSamlKey } from '../../src/saml/keys.js';
import { readSpMetadata } from '../../src/saml/metadata.js';
import { certificateBody } from '../../src/saml/xml.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { signIn, WebClient } from '../helpers/web-client.js';

/**
 * Homeroom against a real, independent service provider: Apache httpd with mod_auth_mellon (Debian packages
 * `apache2` and `libapache2-mod-auth-mellon`, which .ci/run installs). Mellon is as strict as Google about what it
 * accepts: exact Destination, Recipient and Audience, InResponseTo, a SessionIndex, signed LogoutResponses.
 */
const APACHE = process.env.APACHE_PATH || '/usr/sbin/apache2';
const MODULES = '/usr/lib/apache2/modules';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Starts httpd in the foreground; resolves once it answers, or fails with what it said. */
async function startApache(config: string, probeUrl: string): Promise<ChildProcess> {
  const child = spawn(APACHE, ['-f', config, '-DFOREGROUND'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let said = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    said += chunk.toString('utf8');
  });
  for (let i = 0; i < 100 && child.exitCode === null; i += 1) {
    if (
      await fetch(probeUrl).then(
        () => true,
        () => false,
      )
    )
      return child;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (child.exitCode === null) child.kill('SIGTERM');
  throw new Error(`Apache did not start: ${said}`);
}

describe('SAML identity provider with Apache mod_auth_mellon', () => {
  let server: TestServer;
  let apache: ChildProcess;
  let dir: string;
  let sp: string;

  beforeAll(async () => {
    try {
      accessSync(APACHE, constants.X_OK);
      accessSync(join(MODULES, 'mod_auth_mellon.so'), constants.R_OK);
    } catch {
      throw new Error('Apache httpd with mod_auth_mellon is needed: apt-get install -y --no-install-recommends apache2 libapache2-mod-auth-mellon (or set APACHE_PATH)');
    }
    server = await startTestServer('sqlite');
    dir = mkdtempSync(join(tmpdir(), 'homeroom-mellon-'));
    chmodSync(dir, 0o755);
    const port = await freePort();
    sp = `http://127.0.0.1:${port}`;
    const key = generateSamlKey('mellon test sp', Date.now());
    writeFileSync(join(dir, 'sp.key'), key.privateKey);
    writeFileSync(join(dir, 'sp.pem'), key.certificate);
    writeFileSync(
      join(dir, 'sp.xml'),
      `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${sp}/mellon/metadata">
  <SPSSODescriptor AuthnRequestsSigned="true" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certificateBody(key.certificate)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>
    <SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${sp}/mellon/logout"/>
    <NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</NameIDFormat>
    <AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${sp}/mellon/postResponse" index="0"/>
  </SPSSODescriptor>
</EntityDescriptor>
`,
    );
    writeFileSync(join(dir, 'idp.xml'), await (await fetch(`${server.url}/saml/metadata`)).text());
    writeFileSync(join(dir, 'index.html'), 'secret page\n');
    writeFileSync(
      join(dir, 'httpd.conf'),
      `ServerName 127.0.0.1
Listen 127.0.0.1:${port}
PidFile ${dir}/httpd.pid
ErrorLog ${dir}/error.log
LogLevel warn
User nobody
Group nogroup
LoadModule mpm_event_module ${MODULES}/mod_mpm_event.so
LoadModule authn_core_module ${MODULES}/mod_authn_core.so
LoadModule authz_core_module ${MODULES}/mod_authz_core.so
LoadModule authz_user_module ${MODULES}/mod_authz_user.so
LoadModule headers_module ${MODULES}/mod_headers.so
LoadModule auth_mellon_module ${MODULES}/mod_auth_mellon.so
DocumentRoot ${dir}
<Directory ${dir}>
  Require all granted
</Directory>
<Location />
  MellonEnable info
  MellonEndpointPath /mellon
  MellonSPPrivateKeyFile ${dir}/sp.key
  MellonSPCertFile ${dir}/sp.pem
  MellonSPMetadataFile ${dir}/sp.xml
  MellonIdPMetadataFile ${dir}/idp.xml
  MellonVariable mellon-cookie
  # Where an unsolicited response (a portal tile) lands.
  MellonDefaultLoginPath /index.html
</Location>
<Location /index.html>
  AuthType Mellon
  MellonEnable auth
  Require valid-user
  Header always set X-Remote-User "%{MELLON_NAME_ID}e"
  Header always set X-Mellon-Affiliation "%{MELLON_eduPersonAffiliation}e"
</Location>
`,
    );
    apache = await startApache(join(dir, 'httpd.conf'), `${sp}/mellon/metadata`);
    await server.services.samlProviders.register({
      ...readSpMetadata(readFileSync(join(dir, 'sp.xml'), 'utf8')),
      name: 'Mellon App',
      portal: true,
    });
  }, 60_000);

  afterAll(async () => {
    if (apache && apache.exitCode === null) {
      const exited = new Promise((resolve) => apache.once('exit', resolve));
      apache.kill('SIGTERM');
      await exited;
    }
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('mellon signs in through Homeroom, and single logout works both ways', async () => {
    const browser = new WebClient();
    // SP-initiated: mellon's signed AuthnRequest by HTTP-Redirect, Homeroom's login, the Response posted back.
    await signIn(browser, `${sp}/index.html`, 'S0100001', 'Lakeside-Ana-2026');
    let page = await browser.submit(`${sp}/mellon/postResponse`);
    const log = () => readFileSync(join(dir, 'error.log'), 'utf8');
    expect({ status: page.status, log: page.status === 200 ? '' : log() }).toEqual({ status: 200, log: '' });
    expect(page.html).toBe('secret page\n');
    expect(page.headers.get('x-remote-user')).toBe('S0100001');
    expect(page.headers.get('x-mellon-affiliation')).toBe('student');

    // SP-initiated logout: mellon's signed LogoutRequest ends the Homeroom session; mellon accepts the signed answer.
    page = await browser.get(`${sp}/mellon/logout?ReturnTo=${encodeURIComponent(`${sp}/mellon/metadata`)}`);
    expect({ url: page.url, status: page.status, log: page.status === 200 ? '' : log() }).toEqual({ url: `${sp}/mellon/metadata`, status: 200, log: '' });
    expect((await browser.get(`${server.url}/`)).url).toContain('/interaction/');

    // From the portal tile (IdP-initiated), then the portal's sign-out ends mellon's session through the browser.
    await signIn(browser, `${server.url}/`, 'S0100001', 'Lakeside-Ana-2026');
    const [tile] = /\/saml\/launch\/[A-Za-z0-9_-]+/.exec(browser.page!.html)!;
    await browser.get(`${server.url}${tile}`);
    page = await browser.submit(`${sp}/mellon/postResponse`);
    expect({ url: page.url, status: page.status, log: page.status === 200 ? '' : log() }).toEqual({ url: `${sp}/index.html`, status: 200, log: '' });
    expect(page.headers.get('x-remote-user')).toBe('S0100001');
    await browser.get(`${server.url}/`);
    await browser.submit('/logout');
    page = await browser.submit('/session/end/confirm', { logout: 'yes' });
    expect({ url: page.url, log: page.url.endsWith('/signed-out') ? '' : log() }).toEqual({ url: `${server.url}/signed-out`, log: '' });
    browser.stopAt = server.url;
    page = await browser.get(`${sp}/index.html`);
    expect(page.url.startsWith(`${server.url}/saml/sso`)).toBe(true);
  });
});
