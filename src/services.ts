import { randomBytes } from 'node:crypto';
import type { Config } from './config/load.js';
import { Authenticator } from './accounts/authenticate.js';
import { HelpLinkService } from './admin/help-links.js';
import { questionIds } from './accounts/challenge-questions.js';
import { commonPasswords } from './accounts/common-passwords.js';
import { PasswordPolicy } from './accounts/password-policy.js';
import { PasswordHasher } from './accounts/passwords.js';
import { ClaimService } from './claim/claim-service.js';
import { auditedEvents } from './events/audited.js';
import type { EventBus } from './events/bus.js';
import { createI18n, type I18n } from './i18n/i18n.js';
import { PolicyService } from './policies/policy-service.js';
import { ClientRegistry } from './oidc/clients.js';
import { Sealer } from './shared/seal.js';
import { createLogger, type Logger } from './shared/log.js';
import { SqlAccountStore } from './store/accounts-repo.js';
import { SqlAuditSearch } from './store/admin-audit-repo.js';
import { SqlRosterRuns } from './store/roster-runs-repo.js';
import { SqlAdminDirectory } from './store/admin-directory-repo.js';
import { SqlHelpLinkStore } from './store/admin-help-links-repo.js';
import { SqlAuditLog } from './store/audit-repo.js';
import { SqlClaimStore } from './store/claim-repo.js';
import { SqlClientStore } from './store/clients-repo.js';
import { withMigratedStore, type Store } from './store/database.js';
import { SqlFlowStore } from './store/flows-repo.js';
import { SqlPolicyStore } from './store/policies-repo.js';
import { SqlRpSessions } from './store/rp-sessions-repo.js';
import { SqlSecrets } from './store/secrets-repo.js';
import { SqlSigningKeys } from './store/signing-keys-repo.js';
import { SqlThrottleStore } from './store/throttle-repo.js';
import { Throttle } from './throttle/throttle.js';

/** Everything the HTTP layer and the CLI work with, built once from the config and the store. */
export interface Services {
  config: Config;
  store: Store;
  log: Logger;
  events: EventBus;
  i18n: I18n;
  hasher: PasswordHasher;
  accounts: SqlAccountStore;
  authenticator: Authenticator;
  throttle: Throttle;
  clients: ClientRegistry;
  flows: SqlFlowStore;
  passwordPolicy: PasswordPolicy;
  claims: SqlClaimStore;
  claimService: ClaimService;
  rpSessions: SqlRpSessions;
  audit: SqlAuditLog;
  signingKeys: SqlSigningKeys;
  secrets: SqlSecrets;
  sealer: Sealer;
  cookieKeys: string[];
  /** Keys deriving per-purpose secrets (CSRF, cookies of the built-in relying parties). */
  serverSecret: string;
  /** Policies set in the admin console over the config file; `policies.current()` is the typed view of those in force. */
  policies: PolicyService;
  /** Help-link tiles set in the admin console (they replace portal.helpLinks of the config file). */
  helpLinks: HelpLinkService;
  auditSearch: SqlAuditSearch;
  adminDirectory: SqlAdminDirectory;
  /** The roster imports' records, for the admin console. */
  rosterRuns: SqlRosterRuns;
}

export async function createServices(config: Config, store: Store, log: Logger = createLogger(config.log.level)): Promise<Services> {
  const secrets = new SqlSecrets(store.db);
  const random = () => randomBytes(32).toString('base64');
  const [sealKey, generatedCookieKey, serverSecret] = await Promise.all([
    secrets.getOrCreate('seal-key', random),
    secrets.getOrCreate('cookie-key', random),
    secrets.getOrCreate('server-secret', random),
  ]);
  const sealer = new Sealer(config.secrets.sealKey ?? sealKey);
  const { events, audit } = auditedEvents(store, log);

  const hasher = new PasswordHasher(config.passwords);
  const accounts = new SqlAccountStore(store.db);
  const throttle = new Throttle(new SqlThrottleStore(store.db));
  const authenticator = new Authenticator(accounts, hasher, throttle, () => config.login, events);
  const claims = new SqlClaimStore(store.db, accounts);
  const claimSettings = () => ({ ...config.claim, questionIds: questionIds(config.claim.questions) });
  // Settings saved in the admin console apply to the live config object before anything reads it.
  const policies = new PolicyService(config, new SqlPolicyStore(store.db), events, log);
  const helpLinks = new HelpLinkService(config, new SqlHelpLinkStore(store.db), events);
  await Promise.all([policies.refresh(), helpLinks.refresh()]).catch((error) => log.warn({ err: error }, 'admin settings not loaded (database not migrated yet?)'));

  return {
    config,
    store,
    log,
    events,
    i18n: await createI18n(config.i18n.defaultLocale),
    hasher,
    accounts,
    authenticator,
    throttle,
    clients: new ClientRegistry(new SqlClientStore(store.db, sealer)),
    flows: new SqlFlowStore(store.db),
    passwordPolicy: new PasswordPolicy(() => config.passwords, hasher, commonPasswords),
    claims,
    claimService: new ClaimService(claims, hasher, throttle, claimSettings, events),
    rpSessions: new SqlRpSessions(store.db),
    audit,
    signingKeys: new SqlSigningKeys(store.db, store.engine),
    secrets,
    sealer,
    cookieKeys: config.secrets.cookieKeys.length ? config.secrets.cookieKeys : [generatedCookieKey],
    serverSecret,
    policies,
    helpLinks,
    auditSearch: new SqlAuditSearch(store.db),
    adminDirectory: new SqlAdminDirectory(store.db),
    rosterRuns: new SqlRosterRuns(store.db),
  };
}

/** Opens the store (migrating it) and the services for one command of the CLI, then closes them. */
export function withCommandServices<T>(config: Config, work: (services: Services) => Promise<T>): Promise<T> {
  return withMigratedStore(config, async (store) => work(await createServices(config, store, createLogger(process.env.LOG_LEVEL ?? 'warn'))));
}
