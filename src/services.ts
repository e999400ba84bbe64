import { randomBytes } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { Config } from './config/load.js';
import { Authenticator } from './accounts/authenticate.js';
import { DeviceTrust } from './accounts/device-trust.js';
import { LockoutReport } from './accounts/lockouts.js';
import { AccountLookup } from './admin/accounts.js';
import { AppAdmin } from './admin/apps.js';
import { Badges } from './badges/badges.js';
import { BadgeSheets } from './badges/sheets.js';
import { SqlBadgeStore } from './store/badges-repo.js';
import { GoogleWorkspaceSetup } from './admin/google-workspace.js';
import { HelpLinkService } from './admin/help-links.js';
import { SamlAppAdmin } from './admin/saml-apps.js';
import { questionIds } from './accounts/challenge-questions.js';
import { commonPasswords } from './accounts/common-passwords.js';
import { PasswordPolicy } from './accounts/password-policy.js';
import { PasswordHasher } from './accounts/passwords.js';
import { claimFlow, type ClaimContext } from './claim/claim-flow.js';
import { ClaimService } from './claim/claim-service.js';
import { auditedEvents } from './events/audited.js';
import type { EventBus } from './events/bus.js';
import { CookieSigner } from './http/cookie-signer.js';
import { FlowRunner } from './flows/engine.js';
import { HomeLanguages } from './home-language/home-languages.js';
import { createI18n, type I18n } from './i18n/i18n.js';
import { Letters } from './letters/letters.js';
import { LoginFlows } from './interactions/login-flow.js';
import { DEMO_APP_CLIENT_ID, DEMO_APP_PATH, PORTAL_CLIENT_ID } from './oidc/built-in-clients.js';
import { Passkeys, relyingPartyOf } from './mfa/passkeys.js';
import { SecondFactors } from './mfa/second-factor.js';
import { PolicyService } from './policies/policy-service.js';
import { ReadinessService } from './readiness/service.js';
import type { RosterImportDeps } from './roster/import.js';
import { SqlRosterRuns } from './roster/storage/runs.js';
import { SqlRosterStore, type SqlRosterStoreOptions } from './roster/storage/sql-roster-store.js';
import { recoveryFlow, type RecoveryContext } from './recovery/recovery-flow.js';
import { RecoveryService } from './recovery/recovery-service.js';
import { BuiltInRelyingParty, builtInClientSecret } from './rp/relying-party.js';
import { ClientRegistry } from './oidc/clients.js';
import { browserAccountId, providerSessionId } from './oidc/browser-session.js';
import { createLogoutNoticeSender, type LogoutNoticeSender } from './oidc/logout-notices.js';
import { createSessionRevoker } from './oidc/session-revoker.js';
import { Sealer } from './shared/seal.js';
import { createLogger, type Logger } from './shared/log.js';
import { SqlAccountStore } from './store/accounts-repo.js';
import { SqlAccountDirectory } from './store/admin-accounts-repo.js';
import { SqlAuditSearch } from './store/admin-audit-repo.js';
import { SqlAdminDirectory } from './store/admin-directory-repo.js';
import { SqlHelpLinkStore } from './store/admin-help-links-repo.js';
import { SqlHomeLanguageStore } from './store/home-languages-repo.js';
import { SqlLetterStore } from './store/letters-repo.js';
import { SqlAuditLog } from './store/audit-repo.js';
import { SqlClaimStore } from './store/claim-repo.js';
import { ClientRows } from './store/client-rows.js';
import { SqlClientStore } from './store/clients-repo.js';
import { withMigratedStore, type Store } from './store/database.js';
import { SqlFlowStore } from './store/flows-repo.js';
import { SqlMfaStore } from './store/mfa-repo.js';
import { SqlLockoutStore } from './store/lockouts-repo.js';
import { SqlPolicyStore } from './store/policies-repo.js';
import { SqlPictureStore } from './store/pictures-repo.js';
import { PicturePasswords } from './pictures/picture-passwords.js';
import { SqlReadinessStore } from './store/readiness-repo.js';
import { SqlRpSessions } from './store/rp-sessions-repo.js';
import { SqlSecrets } from './store/secrets-repo.js';
import { SqlSigningKeys } from './store/signing-keys-repo.js';
import { SqlStaffStore } from './store/staff-repo.js';
import { SqlThrottleStore } from './store/throttle-repo.js';
import { StaffService } from './staff/staff-service.js';
import { createSamlWeb, type SamlWeb } from './saml/build.js';
import { SamlKeys } from './saml/keys.js';
import { ServiceProviderRegistry } from './saml/service-providers.js';
import { SqlSamlKeys } from './store/saml-keys-repo.js';
import { SqlServiceProviderStore } from './store/saml-service-providers-repo.js';
import { SqlSamlRequestIds, SqlSamlSessions } from './store/saml-sessions-repo.js';
import { Throttle } from './throttle/throttle.js';

/**
 * The composition root: every store, service and domain object the CLI and the server work with, built once from the
 * config and the store. Routes receive what they use from here (src/http/app.ts hands it out).
 */
export interface Services {
  config: Config;
  store: Store;
  log: Logger;
  events: EventBus;
  i18n: I18n;
  hasher: PasswordHasher;
  accounts: SqlAccountStore;
  authenticator: Authenticator;
  /** Device cookies: browsers where an account signed in before, counted apart from the account's lock. */
  deviceTrust: DeviceTrust;
  throttle: Throttle;
  clients: ClientRegistry;
  /** Apps' rows as the provider and the sign-in pages read them, shared so that a change here is seen by both at once. */
  clientRows: ClientRows;
  flows: SqlFlowStore;
  passwordPolicy: PasswordPolicy;
  claims: SqlClaimStore;
  claimService: ClaimService;
  rpSessions: SqlRpSessions;
  audit: SqlAuditLog;
  signingKeys: SqlSigningKeys;
  secrets: SqlSecrets;
  sealer: Sealer;
  /** Signs the cookies of the provider, the pages and the built-in apps (one Koa app), with secrets.cookieKeys. */
  cookieSigner: CookieSigner;
  /** Keys deriving per-purpose secrets (CSRF, cookies of the built-in relying parties). */
  serverSecret: string;
  /** Policies set in the admin console over the config file; `policies.current()` is the typed view of those in force. */
  policies: PolicyService;
  /** Help-link tiles set in the admin console (they replace portal.helpLinks of the config file). */
  helpLinks: HelpLinkService;
  auditSearch: SqlAuditSearch;
  adminDirectory: SqlAdminDirectory;
  /** The console's account search and account pages. */
  accountLookup: AccountLookup;
  /** The roster imports' records, for the admin console. */
  rosterRuns: SqlRosterRuns;
  /** The console's actions on apps, each audited. */
  appAdmin: AppAdmin;
  /** The Connect Google Workspace page's work: the OIDC client for Google, the accounts Google cannot know. */
  googleWorkspace: GoogleWorkspaceSetup;
  /** Staff's second factors (authenticator apps, recovery codes) and the policy of who must use one. */
  secondFactors: SecondFactors;
  /** Passkeys and security keys (WebAuthn), a kind of second factor. */
  passkeys: Passkeys;
  /** The username step of the provider's sign-in, kept per interaction. */
  loginFlows: LoginFlows;
  /** "Claim my Account" flows. */
  claimFlows: FlowRunner<ClaimContext>;
  /** The readiness dashboard's figures. */
  readiness: ReadinessService;
  /** Who is being targeted: accounts under failed sign-in or recovery attempts, locked or not, and from where. */
  lockouts: LockoutReport;
  /** SAML apps (service providers) and the identity provider's signing keys, sessions and seen request IDs. */
  samlProviders: ServiceProviderRegistry;
  /** The audited changes to SAML apps, for the console and the CLI. */
  samlAppAdmin: SamlAppAdmin;
  samlKeys: SamlKeys;
  samlSessions: SqlSamlSessions;
  samlRequestIds: SqlSamlRequestIds;
  /** Each student's home language, from the roster's column or a mapping file. */
  homeLanguages: HomeLanguages;
  /** The printed letters to families. */
  letters: Letters;
  /** Young students' picture passwords: set by their teacher or at claim, checked like a password. */
  pictures: PicturePasswords;
  /** Young students' QR badges: sign-in, issuing, voiding. */
  badges: Badges;
  /** The printed badge sheets. */
  badgeSheets: BadgeSheets;
}

/** What needs the running OIDC provider (ending sessions, back-channel logout) and the web app's own clients. */
export interface WebServices {
  /** The portal's relying party; staff and admin pages share its session. */
  portal: BuiltInRelyingParty;
  /** The demo app's relying party, in demo mode only. */
  demoApp: BuiltInRelyingParty | null;
  /** "Forgot my Password" flows. */
  recoveryFlows: FlowRunner<RecoveryContext>;
  /** Teachers' reset requests and the help desk's queue. */
  staff: StaffService;
  /** Sends the back-channel logout notices that roster imports queue. */
  logoutNotices: LogoutNoticeSender;
  /** The SAML identity provider, its single logout and its bridge to the OIDC provider. */
  saml: SamlWeb;
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
  const throttle = new Throttle(new SqlThrottleStore(store.db, store.engine));
  const deviceTrust = new DeviceTrust(serverSecret);
  const authenticator = new Authenticator(accounts, hasher, throttle, () => config.login, events, deviceTrust);
  const claims = new SqlClaimStore(store.db, accounts);
  const claimSettings = () => ({ ...config.claim, questionIds: questionIds(config.claim.questions) });
  // Settings saved in the admin console apply to the live config object before anything reads it.
  const policies = new PolicyService(config, new SqlPolicyStore(store.db), events, log);
  const helpLinks = new HelpLinkService(config, new SqlHelpLinkStore(store.db), events);
  await Promise.all([policies.refresh(), helpLinks.refresh()]).catch((error) => log.warn({ err: error }, 'admin settings not loaded (database not migrated yet?)'));
  const clientRows = new ClientRows(store.db);
  const clients = new ClientRegistry(new SqlClientStore(store.db, sealer, clientRows));
  const samlProviders = new ServiceProviderRegistry(new SqlServiceProviderStore(store.db));
  const appAdmin = new AppAdmin(clients, events);
  const adminDirectory = new SqlAdminDirectory(store.db);
  const auditSearch = new SqlAuditSearch(store.db);
  const mfaStore = new SqlMfaStore(store.db);
  // Read at each sign-in: the roles that must use a second factor, and the grace period, are policies.
  const mfaSettings = () => ({ ...config.mfa, perAddress: config.login.perAddress });
  const secondFactors = new SecondFactors(mfaStore, sealer, throttle, serverSecret, mfaSettings, events);
  const flows = new SqlFlowStore(store.db);
  const passwordPolicy = new PasswordPolicy(() => config.passwords, hasher, commonPasswords);
  const staffStore = new SqlStaffStore(store.db);
  const pictures = new PicturePasswords(
    new SqlPictureStore(store.db),
    hasher,
    authenticator,
    accounts,
    (teacherId, studentId) => staffStore.teaches(teacherId, studentId),
    () => policies.current().signIn,
    events,
  );
  const claimService = new ClaimService(claims, hasher, throttle, claimSettings, events);
  const sqliteFile = store.raw.sqlite && !store.raw.sqlite.memory ? store.raw.sqlite.name : null;
  const readinessSettings = () => ({ timeZone: config.district.timeZone, deadline: policies.current().readiness.deadline });
  const i18n = await createI18n(config.i18n);
  // Read at each print: the deadline is a policy the admin console can change while running.
  const letterSettings = () => ({
    defaultLocale: config.i18n.defaultLocale,
    timeZone: config.district.timeZone,
    deadline: policies.current().readiness.deadline,
    paper: config.letters.paper,
    chunk: config.letters.chunk,
  });
  // Read at each use: the badge grades and the login limits are policies the admin console can change while running.
  const badges = new Badges(
    new SqlBadgeStore(store.db),
    accounts,
    throttle,
    sealer,
    serverSecret,
    () => ({ issuer: config.issuer, login: config.login, signIn: policies.current().signIn }),
    events,
  );
  const badgeSheets = new BadgeSheets(
    new SqlLetterStore(store.db),
    badges,
    i18n,
    () => ({ districtName: (locale) => i18n.pick(config.district.name, locale), paper: config.letters.paper }),
    events,
  );

  return {
    config,
    store,
    log,
    events,
    i18n,
    hasher,
    accounts,
    authenticator,
    deviceTrust,
    throttle,
    clients,
    clientRows,
    flows,
    passwordPolicy,
    claims,
    claimService,
    rpSessions: new SqlRpSessions(store.db),
    audit,
    signingKeys: new SqlSigningKeys(store.db, store.engine),
    secrets,
    sealer,
    cookieSigner: new CookieSigner(config.secrets.cookieKeys.length ? config.secrets.cookieKeys : [generatedCookieKey]),
    serverSecret,
    policies,
    helpLinks,
    auditSearch,
    adminDirectory,
    rosterRuns: new SqlRosterRuns(store.db),
    appAdmin,
    googleWorkspace: new GoogleWorkspaceSetup(clients, appAdmin, adminDirectory, () => config.email.templates),
    secondFactors,
    passkeys: new Passkeys(mfaStore, accounts, throttle, serverSecret, mfaSettings, events, () =>
      relyingPartyOf(config.issuer, config.mfa.issuer ?? i18n.pick(config.district.name, config.i18n.defaultLocale)),
    ),
    accountLookup: new AccountLookup(new SqlAccountDirectory(store.db), accounts, secondFactors, auditSearch, () => config.email.templates),
    loginFlows: new LoginFlows(flows, config.session.interactionTtl),
    claimFlows: new FlowRunner(claimFlow(claimService, { accounts, policy: passwordPolicy, hasher, pictures }, config.claim.flowTtl), flows, events),
    readiness: new ReadinessService(new SqlReadinessStore(store.db, store.engine, sqliteFile), readinessSettings, log),
    // Read at each report: the limits are policies the admin console can change while running.
    lockouts: new LockoutReport(new SqlLockoutStore(store.db, store.engine), () => ({ login: config.login.perAccount, recovery: config.recovery.perAccount })),
    samlProviders,
    samlAppAdmin: new SamlAppAdmin(samlProviders, events),
    samlKeys: new SamlKeys(
      new SqlSamlKeys(store.db, store.engine),
      () => `Homeroom SAML ${new URL(config.issuer).host}`,
      () => config.saml.keyRollover,
    ),
    samlSessions: new SqlSamlSessions(store.db),
    samlRequestIds: new SqlSamlRequestIds(store.db),
    homeLanguages: new HomeLanguages(new SqlHomeLanguageStore(store.db), () => i18n.locales.map((l) => l.code), events),
    letters: new Letters(new SqlLetterStore(store.db), i18n, config, letterSettings, events),
    pictures,
    badges,
    badgeSheets,
  };
}

/**
 * The second half of the composition, once the provider exists: what ends sessions through it, and the relying
 * parties of Homeroom's own apps, which reach the provider at `internalBaseUrl`.
 */
export function createWebServices(services: Services, provider: Provider, internalBaseUrl: () => string): WebServices {
  const { config, accounts, hasher, throttle, events } = services;
  const revoker = createSessionRevoker(provider, services);
  const recoverySettings = () => ({ ...config.recovery, questionIds: questionIds(config.claim.questions) });
  const recovery = new RecoveryService(accounts, services.claims, hasher, throttle, revoker, recoverySettings, events, services.serverSecret, services.deviceTrust);
  const staffSettings = () => ({
    tickets: services.policies.current().tickets,
    timeZone: config.district.timeZone,
    loginLimit: config.login.perAccount,
    recoveryLimit: config.recovery.perAccount,
  });
  const relyingParty = (app: string, clientId: string, callbackPath: string, cookiePath: string) =>
    new BuiltInRelyingParty({
      app,
      clientId,
      clientSecret: builtInClientSecret(services.serverSecret, clientId),
      callbackPath,
      cookiePath,
      scope: 'openid profile email roles school',
      config,
      sessions: services.rpSessions,
      // Read at each sign-in: the session length is a policy the admin console can change while running.
      get sessionTtl() {
        return config.session.portalTtl;
      },
      internalBaseUrl,
      providerSessionId,
      providerAccountId: (ctx) => browserAccountId(provider, ctx),
    });

  return {
    portal: relyingParty('portal', PORTAL_CLIENT_ID, '/portal/callback', '/'),
    demoApp: config.demo.enabled ? relyingParty('demo_app', DEMO_APP_CLIENT_ID, `${DEMO_APP_PATH}/callback`, DEMO_APP_PATH) : null,
    recoveryFlows: new FlowRunner(recoveryFlow(recovery, { accounts, policy: services.passwordPolicy, hasher }, config.claim.flowTtl), services.flows, events),
    staff: new StaffService(new SqlStaffStore(services.store.db), accounts, revoker, staffSettings, events),
    logoutNotices: createLogoutNoticeSender(provider, services),
    saml: createSamlWeb(services, provider, internalBaseUrl),
  };
}

/** Opens the store (migrating it) and the services for one command of the CLI, then closes them. */
export function withCommandServices<T>(config: Config, work: (services: Services) => Promise<T>): Promise<T> {
  return withMigratedStore(config, async (store) => work(await createServices(config, store, createLogger(process.env.LOG_LEVEL ?? 'warn'))));
}

/** What a roster import uses of the services. */
export type RosterImportServices = Pick<Services, 'config' | 'events' | 'policies' | 'store'>;

/**
 * Opens the store (migrating it) and only what a roster import uses, for the CLI's import thread: audited events and
 * the policies set in the console, read before the import starts.
 */
export function withRosterImportServices<T>(config: Config, work: (services: RosterImportServices) => Promise<T>): Promise<T> {
  return withMigratedStore(config, async (store) => {
    const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
    const { events } = auditedEvents(store, log);
    const policies = new PolicyService(config, new SqlPolicyStore(store.db), events, log);
    await policies.refresh();
    return work({ config, store, events, policies });
  });
}

/**
 * The importer's dependencies from the services (optionally on a store of its own, as the server's watcher uses).
 * The claim delay an administrator set in the console (policies) wins over the configuration file. The CLI writes
 * in a thread of its own (see SqlRosterStoreOptions).
 */
export function rosterImportDeps(
  services: RosterImportServices,
  store: Store = services.store,
  overrides: { claimDelay?: number } = {},
  options: SqlRosterStoreOptions = {},
): RosterImportDeps {
  const claimDelay = services.policies?.current().claimDelay ?? services.config.roster.claimDelay;
  return {
    store: new SqlRosterStore(store, options),
    events: services.events,
    settings: { ...services.config.roster, claimDelay, ...overrides },
  };
}
