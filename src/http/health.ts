import Router from '@koa/router';
import { ping, type Store } from '../store/database.js';

/** Liveness (the process answers) and readiness (the database answers), for load balancers and orchestrators. */
export function healthRoutes(store: Store): Router {
  const router = new Router();
  // Answers 200 while the process serves, even with the database down: a load balancer that checks it keeps the node,
  // whose pages then explain the outage (503) instead of the balancer's own error. `ready` says whether the
  // database answers too; /readyz makes that the status code, for orchestrators that should route around it.
  router.get('/healthz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const ready = await databaseAnswers(store);
    ctx.body = { status: 'ok', ready, ...(ready ? {} : { reason: 'database' }) };
  });
  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    if (await databaseAnswers(store)) {
      ctx.body = { status: 'ready' };
    } else {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', reason: 'database' };
    }
  });
  return router;
}

/** A health check answers within the pool's connection timeout, never after a hung query. */
const PING_TIMEOUT_MS = 2000;

async function databaseAnswers(store: Store): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      ping(store).then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
