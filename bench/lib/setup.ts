/**
 * Prepares a Homeroom database for the bench with the project's own code (the same calls as `homeroom accounts add`
 * and `homeroom clients add`, without starting a CLI process per account).
 */
import { createServer } from 'node:net';
import { loadConfig, type Config } from '../../src/config/load.js';
import { createServices } from '../../src/services.js';
import { createLogger } from '../../src/shared/log.js';
import { migrateToLatest, openStore, storeOptionsFromConfig } from '../../src/store/database.js';

export interface BenchSetup {
  config: Config;
  usernames: string[];
  password: string;
  clientId: string;
  clientSecret: string | null;
  /** Distinct argon2 hashes stored (one per account). */
  hashesStored: number;
}

/** A TCP port that was free a moment ago, on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function prepareDatabase(env: Record<string, string | undefined>, accounts: number, redirectUri: string): Promise<BenchSetup> {
  const config = loadConfig(env);
  const options = storeOptionsFromConfig(config);
  const store = await openStore(options);
  try {
    await migrateToLatest(store, options.schema);
    const services = await createServices(config, store, createLogger('warn'));
    const password = 'bench-password-0123';
    const usernames = Array.from({ length: accounts }, (_, i) => `bench${i}`);
    // Each account gets its own hash (own salt), a few at a time on the thread pool.
    const hashes: string[] = [];
    for (let i = 0; i < accounts; i += 4) {
      hashes.push(...(await Promise.all(usernames.slice(i, i + 4).map(() => services.hasher.hash(password)))));
    }
    for (let i = 0; i < accounts; i += 1) {
      await services.accounts.create({
        username: usernames[i],
        givenName: 'Bench',
        familyName: String(i),
        roles: ['student'],
        passwordHash: hashes[i],
      });
    }
    const { client, clientSecret } = await services.clients.register({
      name: 'Bench',
      redirectUris: [redirectUri],
      postLogoutRedirectUris: [],
      backchannelLogoutUri: null,
      public: false,
      portal: false,
      firstParty: true,
      launchUrl: null,
    });
    return { config, usernames, password, clientId: client.clientId, clientSecret, hashesStored: hashes.length };
  } finally {
    await store.close();
  }
}
