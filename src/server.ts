import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Provider from 'oidc-provider';
import type { Config } from './config/load.js';
import { seedDemo, type DemoLogin } from './demo/seed.js';
import { buildApp } from './http/app.js';
import { DEMO_APP_CLIENT_ID, ensureDemoAppClient } from './oidc/built-in-clients.js';
import type { LogoutNoticeSender } from './oidc/logout-notices.js';
import { createServices, rosterImportDeps, type Services } from './services.js';
import { createLogger, type DestinationStream } from './shared/log.js';
import { startWalCheckpointer } from './store/wal-checkpointer.js';
import { migrateToLatest, openStore, storeOptionsFromConfig, type StoreOptions } from './store/database.js';
import { purgeExpiredOidcPayloads } from './store/oidc-adapter.js';
import { importRoster } from './roster/import.js';
import { lineProgress } from './roster/progress.js';
import { startRosterWatcher, type RosterWatcher } from './roster/watch.js';
import { throttleRules } from './throttle/rules.js';

/** How often the server looks for back-channel logout notices that imports queued (see src/oidc/logout-notices.ts). */
const LOGOUT_NOTICE_INTERVAL_MS = 30_000;

export interface RunningServer {
  url: string;
  server: Server;
  services: Services;
  provider: Provider;
  demoLogins: DemoLogin[] | null;
  /** Sends the back-channel logout notices that imports queue (every LOGOUT_NOTICE_INTERVAL_MS, and after each watched import). */
  logoutNotices: LogoutNoticeSender;
  /** The roster.watchDir watcher, when configured. */
  rosterWatcher: RosterWatcher | null;
  close(): Promise<void>;
}

export interface StartOptions {
  storeOptions?: StoreOptions;
  /** Build the app before listening (the issuer is known); tests listen on port 0 and set the issuer afterwards. */
  configForPort?: (port: number) => Config;
  /** Where the logs go instead of stdout. */
  logDestination?: DestinationStream;
}

/**
 * Opens the store, migrates, seeds the demo district on an empty database, builds the app and listens.
 * With `configForPort`, it listens first so the issuer can name the port that was actually given.
 */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const server = createServer();
  // Longer than the idle timeouts of load balancers and HTTP clients, so an idle kept-alive connection is closed by
  // them, never by us in the moment they reuse it (which shows up as a reset request).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  let effective = config;
  if (options.configForPort) {
    await new Promise<void>((resolve) => server.listen(config.server.port, config.server.host, resolve));
    effective = options.configForPort((server.address() as AddressInfo).port);
  }
  const log = createLogger(effective.log.level, options.logDestination);
  const storeOptions = options.storeOptions ?? storeOptionsFromConfig(effective);
  const store = await openStore(storeOptions);
  await migrateToLatest(store, storeOptions.schema);
  const checkpointer = store.raw.sqlite && storeOptions.file && storeOptions.file !== ':memory:' ? startWalCheckpointer(storeOptions.file, store.raw.sqlite, log) : null;
  const services = await createServices(effective, store, log);

  let demoLogins: DemoLogin[] | null = null;
  if (effective.demo.enabled && (await services.accounts.count()) === 0) {
    demoLogins = await seedDemo(services);
  } else if (effective.demo.enabled) {
    // The demo app's URIs follow the issuer, which may have changed since the district was seeded.
    await ensureDemoAppClient(services);
  } else if (await services.clients.remove(DEMO_APP_CLIENT_ID)) {
    // Its pages are served only in demo mode: a tile left behind would lead nowhere.
    log.info('demo mode is off: removed the demo app registration');
  }

  let internal = '';
  const { provider, web } = await buildApp(services, { internalBaseUrl: () => internal });
  const handle = provider.callback();
  let stopping = false;
  let draining = false;
  server.on('request', (request, response) => {
    // Told to stop: the health check says so first, so a load balancer sends nothing new here once it stops listening.
    if (stopping && request.url === '/healthz') {
      response.writeHead(503, { 'content-type': 'application/json', 'cache-control': 'no-store', connection: 'close' });
      response.end(JSON.stringify({ status: 'stopping' }));
      return;
    }
    // While stopping, every response closes its connection, so neither a client nor a load balancer sends another
    // request on a socket that is about to close.
    if (draining) response.setHeader('Connection', 'close');
    void handle(request, response);
  });
  if (!options.configForPort) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(effective.server.port, effective.server.host, resolve);
    });
  }
  const port = (server.address() as AddressInfo).port;
  internal = `http://127.0.0.1:${port}`;

  const purge = setInterval(
    () => {
      Promise.all([
        purgeExpiredOidcPayloads(store.db),
        services.flows.purgeExpired(),
        services.rpSessions.purgeExpired(),
        services.samlSessions.purgeExpired(),
        services.samlRequestIds.purgeExpired(),
        services.throttle.purgeExpired(throttleRules(services.config)),
      ]).catch((error) => log.warn({ err: error }, 'purge of expired records failed'));
    },
    10 * 60 * 1000,
  );
  purge.unref();

  // Notices queued by roster imports (the CLI's run in another process): sent now, then every little while.
  const { logoutNotices } = web;
  const sendNotices = () => {
    logoutNotices.drain().catch((error) => log.warn({ err: error }, 'sending back-channel logout notices failed'));
  };
  sendNotices();
  const notices = setInterval(sendNotices, LOGOUT_NOTICE_INTERVAL_MS);
  notices.unref();

  // roster.watchDir: imports run on a connection of their own, so their transaction never takes in a request's queries.
  let rosterWatcher: RosterWatcher | null = null;
  let rosterStore: Awaited<ReturnType<typeof openStore>> | null = null;
  if (effective.roster.watchDir) {
    rosterStore = await openStore(storeOptions);
    const importStore = rosterStore;
    rosterWatcher = startRosterWatcher({
      dir: effective.roster.watchDir,
      intervalMs: effective.roster.watchInterval * 1000,
      log,
      runImport: async (path) => {
        const report = await importRoster(rosterImportDeps(services, importStore), path, { progress: lineProgress((line) => log.info(line)) });
        if (report.logoutNotices) sendNotices();
        return report;
      },
    });
  }

  return {
    url: effective.issuer,
    server,
    services,
    provider,
    demoLogins,
    rosterWatcher,
    logoutNotices,
    async close() {
      stopping = true;
      if (effective.server.drainDelay > 0) await new Promise((resolve) => setTimeout(resolve, effective.server.drainDelay * 1000));
      draining = true;
      clearInterval(purge);
      clearInterval(notices);
      await stopServing(server, effective.server.shutdownTimeout * 1000);
      await logoutNotices.drain().catch(() => undefined); // the last ones due, before the store closes
      await rosterWatcher?.stop();
      await rosterStore?.close();
      await checkpointer?.stop();
      await store.close();
    },
  };
}

/**
 * Stops accepting connections and lets the requests in flight finish: a connection is closed as soon as it has no
 * request running, and whatever still runs after `timeoutMs` is cut.
 */
function stopServing(server: Server, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    const cut = setTimeout(() => server.closeAllConnections(), timeoutMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}
