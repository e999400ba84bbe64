import Router from '@koa/router';
import Koa from 'koa';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { routesOf } from '../../src/http/routes-of.js';

/** routesOf: a router is skipped for paths none of its routes can match, and asked for every other. */
describe('routesOf', () => {
  let server: Server;
  let base: string;
  const asked: string[] = [];

  beforeAll(async () => {
    const app = new Koa();
    // A router asked about a request matches its path against its routes: that is what the shortcut spares.
    const track = (name: string, router: Router) => {
      const match = router.match.bind(router);
      router.match = (path, method) => {
        asked.push(`${name} ${path}`);
        return match(path, method);
      };
      return router;
    };
    const admin = track('admin', new Router());
    admin.get('/admin/users/:id', (ctx) => {
      ctx.body = `user ${ctx.params.id}`;
    });
    admin.get('/', (ctx) => {
      ctx.body = 'home';
    });
    const prefixed = track('interaction', new Router({ prefix: '/interaction/:uid' }));
    prefixed.get('/', (ctx) => {
      ctx.body = `interaction ${ctx.params.uid}`;
    });
    const open = track('open', new Router());
    open.get('/:page', (ctx) => {
      ctx.body = `page ${ctx.params.page}`;
    });
    app.use(routesOf(admin));
    app.use(routesOf(prefixed));
    app.use(async (ctx, next) => {
      if (ctx.path !== '/fell-through') return next();
      ctx.body = 'after the routers';
    });
    app.use(routesOf(open));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  async function get(path: string) {
    asked.length = 0;
    const response = await fetch(`${base}${path}`);
    return { status: response.status, body: await response.text(), asked: [...asked] };
  }

  test('routes match as before: the router compares paths without case, and a prefix with a parameter counts', async () => {
    expect(await get('/admin/users/7')).toEqual({ status: 200, body: 'user 7', asked: ['admin /admin/users/7'] });
    expect(await get('/ADMIN/users/8')).toEqual({ status: 200, body: 'user 8', asked: ['admin /ADMIN/users/8'] });
    expect(await get('/')).toEqual({ status: 200, body: 'home', asked: ['admin /'] });
    expect(await get('/interaction/abc')).toEqual({ status: 200, body: 'interaction abc', asked: ['interaction /interaction/abc'] });
  });

  test('a path whose first segment no route has goes on without asking the router', async () => {
    expect(await get('/fell-through')).toEqual({ status: 200, body: 'after the routers', asked: [] });
  });

  test('a router with a route that starts with a parameter is always asked', async () => {
    expect(await get('/anything')).toEqual({ status: 200, body: 'page anything', asked: ['open /anything'] });
    // An encoded first segment is not plain text: every router is asked, as without the shortcut.
    expect((await get('/%61dmin')).status).toBe(200);
  });
});
