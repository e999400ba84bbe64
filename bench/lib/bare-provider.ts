/**
 * The login bench's baseline: node-oidc-provider on its own, as its documentation sets it up, with the simplest
 * username-then-password interaction that drives the same HTTP flow as Homeroom's (the bench client cannot tell
 * them apart) and the same argon2id library and parameters. Its cost per login is what the protocol and the hash
 * need; everything Homeroom spends beyond it is ours.
 *
 *   node --import tsx bench/lib/bare-provider.ts '{"port":4000,"issuer":"http://127.0.0.1:4000",…}'
 *
 * In-memory adapter (the library's default), one client, accounts held in a Map, no CSRF cookie beyond a token per
 * interaction, no throttling, no audit: nothing Homeroom promises beyond the protocol.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { verify } from '@node-rs/argon2';
import Router from '@koa/router';
import Provider from 'oidc-provider';

export interface BareOptions {
  port: number;
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  usernames: string[];
  /** An argon2id hash of the bench password, made with Homeroom's parameters (verifying costs what the parameters say). */
  passwordHash: string;
}

const options = JSON.parse(process.argv[2] ?? '{}') as BareOptions;
const accounts = new Set(options.usernames);

const provider = new Provider(options.issuer, {
  clients: [
    {
      client_id: options.clientId,
      client_secret: options.clientSecret,
      redirect_uris: [options.redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  features: { devInteractions: { enabled: false } },
  pkce: { required: () => false },
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
  interactions: { url: async (_ctx, interaction) => `/interaction/${interaction.uid}` },
  // The bench's client is the server's own app: no consent page, as the library's documentation shows.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
    grant.addOIDCScope(String(ctx.oidc.params!.scope));
    await grant.save();
    return grant;
  },
});

/** Per interaction: the username once chosen, and the token its forms carry. */
const pending = new Map<string, { username: string | null; token: string }>();

async function form(req: NodeJS.ReadableStream): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

function page(uid: string, step: 'username' | 'password', token: string): string {
  const field = step === 'username' ? '<input name="username" autocomplete="username">' : '<input type="password" name="password">';
  return `<!doctype html><title>Sign in</title><form method="post" action="/interaction/${uid}/${step}"><input type="hidden" name="_csrf" value="${token}">${field}<button>Go</button></form>`;
}

const router = new Router({ prefix: '/interaction/:uid' });
router.get('/', async (ctx) => {
  const { uid } = await provider.interactionDetails(ctx.req, ctx.res);
  let state = pending.get(uid);
  if (!state) pending.set(uid, (state = { username: null, token: randomBytes(16).toString('base64url') }));
  ctx.type = 'html';
  ctx.body = page(uid, state.username ? 'password' : 'username', state.token);
});
router.post('/username', async (ctx) => {
  const { uid } = await provider.interactionDetails(ctx.req, ctx.res);
  const body = await form(ctx.req);
  const state = pending.get(uid);
  if (!state || body.get('_csrf') !== state.token) return ctx.throw(403);
  state.username = body.get('username') ?? '';
  ctx.status = 303;
  ctx.redirect(`/interaction/${uid}`);
});
router.post('/password', async (ctx) => {
  const { uid } = await provider.interactionDetails(ctx.req, ctx.res);
  const body = await form(ctx.req);
  const state = pending.get(uid);
  const username = state?.username;
  if (!state || !username || body.get('_csrf') !== state.token) return ctx.throw(403);
  // Unknown usernames cost a verification too, as they would in any honest server.
  const ok = (await verify(options.passwordHash, body.get('password') ?? '')) && accounts.has(username);
  if (!ok) return ctx.throw(401);
  pending.delete(uid);
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, { login: { accountId: username } }, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.redirect(returnTo);
});
provider.use(async (ctx, next) => {
  if (ctx.path === '/healthz') ctx.body = { status: 'ok' };
  else await next();
});
provider.use(router.routes());

const server = createServer(provider.callback());
server.keepAliveTimeout = 65_000;
server.listen(options.port, '127.0.0.1', () => process.send?.({ ready: true }));
process.on('SIGINT', () => server.close(() => process.exit(0)));
