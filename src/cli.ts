import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { stringify as stringifyYaml } from 'yaml';
import { ROLES, USERNAME_PATTERN, type Role } from './accounts/account.js';
import { ConfigError, insecureConfigWarnings, loadConfig, redactConfig, type Config } from './config/load.js';
import { seedDemo } from './demo/seed.js';
import { EXIT_CODES } from './roster/import.js';
import { cliImport } from './roster/cli-import.js';
import { lineProgress, terminalProgress } from './roster/progress.js';
import { reportText } from './roster/report-text.js';
import { launchUrlOf } from './oidc/clients.js';
import { openPdfPrinter } from './print/pdf.js';
import type { HomeLanguageReport } from './home-language/home-languages.js';
import { importRosterLanguages } from './home-language/roster-column.js';
import { rotateSigningKey } from './oidc/keys.js';
import { readSpMetadata } from './saml/metadata.js';
import { ATTRIBUTES, DEFAULT_ATTRIBUTE_NAMES, NAME_ID_SOURCES, type AttributeKey, type NewServiceProvider, type ServiceProvider } from './saml/service-providers.js';
import { SAML_SIGNATURE_ALGORITHMS } from './config/schema.js';
import { withCommandServices, type Services } from './services.js';
import { AppError } from './shared/errors.js';
import { createLogger } from './shared/log.js';
import { backupSqlite } from './store/backup.js';
import { migrateToLatest, openStore, storeOptionsFromConfig } from './store/database.js';

function config(): Config {
  return loadConfig(process.env);
}

/** Opens the store (migrating it) and the services for one command, then closes them. */
const withServices = <T>(work: (services: Services) => Promise<T>): Promise<T> => withCommandServices(config(), work);

function print(json: boolean, value: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A repeatable option limited to the roles Homeroom knows. */
function collectRole(value: string, previous: Role[] = []): Role[] {
  if (!(ROLES as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${ROLES.join(', ')}`);
  return [...previous, value as Role];
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

const program = new Command('homeroom').description('Homeroom: identity provider and student portal for school districts');

program
  .command('start')
  .description('serve Homeroom (migrates the database; seeds the demo district on an empty one unless HOMEROOM_DEMO=0)')
  .action(async () => {
    const cfg = config();
    const log = createLogger(cfg.log.level);
    for (const warning of insecureConfigWarnings(cfg)) log.warn(warning);
    // Loaded only here: oidc-provider prints a runtime notice on import that other commands need not show.
    const { startServer } = await import('./server.js');
    const running = await startServer(cfg);
    log.info({ url: running.url, database: cfg.databaseEngine }, 'Homeroom is listening');
    if (running.demoLogins) {
      const lines = running.demoLogins.map((d) => `  ${d.username.padEnd(10)} ${(d.password ?? '(not claimed yet)').padEnd(20)} ${d.name} — ${d.note}`);
      process.stdout.write(`\nDemo district loaded. Open ${running.url} and sign in with:\n${lines.join('\n')}\n\n`);
    }
    const stop = async (signal: string) => {
      log.info({ signal }, 'shutting down');
      await running.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });

program
  .command('migrate')
  .description('apply database migrations')
  .option('--json', 'print JSON')
  .action(async (opts) => {
    const cfg = config();
    const options = storeOptionsFromConfig(cfg);
    const store = await openStore(options);
    try {
      const applied = await migrateToLatest(store, options.schema);
      print(opts.json, { applied }, applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
    } finally {
      await store.close();
    }
  });

program
  .command('config')
  .description('print the effective configuration, without secrets')
  .option('--json', 'print JSON')
  .action((opts) => {
    const redacted = redactConfig(config());
    print(opts.json, redacted, stringifyYaml(redacted).trimEnd());
  });

const clients = program.command('clients').description('apps (OIDC clients) that sign in through Homeroom');

clients
  .command('add')
  .description('register an app')
  .requiredOption('--name <name>', 'name shown to people')
  .requiredOption('--redirect-uri <uri>', 'redirect URI (repeatable)', collect)
  .option('--public', 'public client (no secret; PKCE required)', false)
  .option('--post-logout-redirect-uri <uri>', 'where the app may send people after sign-out (repeatable)', collect)
  .option('--backchannel-logout-uri <uri>', 'back-channel logout endpoint of the app')
  .option('--portal', 'show the app as a tile in the portal', false)
  .addOption(new Option('--portal-role <role>', `only people with this role see the tile (repeatable: ${ROLES.join(', ')}; default: everyone)`).argParser(collectRole))
  .option('--launch-uri <uri>', 'where the portal tile sends people (default: the redirect URI’s site)')
  .option('--first-party', 'the district’s own app: skip the consent screen', false)
  .option('--for-young-students', 'a badge or picture sign-in may open it when the policy signIn.youngApps is `marked`', false)
  .option('--json', 'print JSON')
  .action(async (opts) => {
    await withServices(async (services) => {
      const { client, clientSecret } = await services.clients.register({
        name: opts.name,
        redirectUris: opts.redirectUri,
        postLogoutRedirectUris: opts.postLogoutRedirectUri ?? [],
        backchannelLogoutUri: opts.backchannelLogoutUri ?? null,
        public: opts.public,
        portal: opts.portal,
        portalRoles: opts.portalRole ?? null,
        firstParty: opts.firstParty,
        forYoungStudents: opts.forYoungStudents,
        launchUrl: opts.launchUri ?? null,
      });
      await services.events.emit({ type: 'client.created', subjectId: client.clientId, data: { name: client.name, via: 'cli' } });
      const result = { client_id: client.clientId, ...(clientSecret ? { client_secret: clientSecret } : {}) };
      print(opts.json, result, `client_id: ${client.clientId}${clientSecret ? `\nclient_secret: ${clientSecret}\n(shown once; store it in the app now)` : ''}`);
    });
  });

clients
  .command('list')
  .description('list apps')
  .option('--json', 'print JSON')
  .action(async (opts) => {
    await withServices(async (services) => {
      const all = await services.clients.list();
      const rows = all.map((c) => ({
        client_id: c.clientId,
        name: c.name,
        redirect_uris: c.redirectUris,
        post_logout_redirect_uris: c.postLogoutRedirectUris,
        backchannel_logout_uri: c.backchannelLogoutUri,
        public: c.public,
        portal: c.portal,
        portal_roles: c.portalRoles,
        launch_url: c.portal ? launchUrlOf(c) : null,
        first_party: c.firstParty,
        for_young_students: c.forYoungStudents,
        enabled: c.enabled,
      }));
      print(opts.json, rows, rows.map((r) => `${r.client_id}\t${r.name}\t${r.redirect_uris.join(' ')}`).join('\n') || 'No apps registered.');
    });
  });

clients
  .command('remove <clientId>')
  .description('remove an app; its tokens stop working at once')
  .option('--json', 'print JSON')
  .action(async (clientId: string, opts) => {
    await withServices(async (services) => {
      const removed = await services.clients.remove(clientId);
      if (!removed) throw new AppError(404, 'CLIENT_NOT_FOUND', 'errors.notFound');
      await services.events.emit({ type: 'client.removed', subjectId: clientId, data: { via: 'cli' } });
      print(opts.json, { removed: clientId }, `Removed ${clientId}.`);
    });
  });

const saml = program.command('saml').description('SAML apps (service providers) that sign in through Homeroom');

saml
  .command('add')
  .description('register a SAML app from its metadata file, or from its entity ID and assertion consumer service URL')
  .requiredOption('--name <name>', 'name shown to people')
  .option('--metadata <file>', 'the app’s SAML metadata (XML)')
  .option('--entity-id <id>', 'the app’s entity ID (without --metadata)')
  .option('--acs-url <url>', 'assertion consumer service URL, HTTP-POST (repeatable; the first is the default)', collect)
  .option('--slo-url <url>', 'single logout URL (HTTP-Redirect)')
  .option('--cert <file>', 'the app’s signing certificate (PEM): its requests must then be signed')
  .addOption(new Option('--name-id <source>', 'what identifies people to the app').choices([...NAME_ID_SOURCES]))
  .option('--attribute <key=name>', `send attribute KEY under NAME, or leave it out with KEY= (repeatable; keys: ${ATTRIBUTES.join(', ')})`, collect)
  .addOption(new Option('--sign <what>', 'what Homeroom signs').choices(['both', 'assertion', 'response']).default('both'))
  .addOption(new Option('--signature-algorithm <alg>', 'signature algorithm for this app (default: saml.signatureAlgorithm)').choices([...SAML_SIGNATURE_ALGORITHMS]))
  .option('--portal', 'show the app as a tile in the portal (signs in from Homeroom)', false)
  .addOption(new Option('--portal-role <role>', `only people with this role see the tile (repeatable: ${ROLES.join(', ')}; default: everyone)`).argParser(collectRole))
  .option('--relay-state <value>', 'RelayState sent when the portal tile signs in (some apps read it as the page to open)')
  .option('--for-young-students', 'a badge or picture sign-in may open it when the policy signIn.youngApps is `marked`', false)
  .option('--json', 'print JSON')
  .action(async (opts) => {
    let fromFile: Partial<NewServiceProvider> = {};
    if (opts.metadata) fromFile = readSpMetadata(readFileSync(opts.metadata, 'utf8'));
    else if (!opts.entityId || !opts.acsUrl) throw new Error('give --metadata FILE, or --entity-id and --acs-url');
    await withServices(async (services) => {
      const provider = await services.samlAppAdmin.create(
        {
          ...fromFile,
          name: opts.name,
          entityId: opts.entityId ?? fromFile.entityId,
          acs: opts.acsUrl ? opts.acsUrl.map((url: string) => ({ url })) : fromFile.acs!,
          slo: opts.sloUrl ? { url: opts.sloUrl } : (fromFile.slo ?? null),
          certificate: opts.cert ? readFileSync(opts.cert, 'utf8') : (fromFile.certificate ?? null),
          nameIdSource: opts.nameId ?? fromFile.nameIdSource ?? 'username',
          attributes: attributeMapping(opts.attribute ?? []),
          signAssertion: opts.sign !== 'response',
          signResponse: opts.sign !== 'assertion',
          signatureAlgorithm: opts.signatureAlgorithm ?? null,
          launchRelayState: opts.relayState ?? null,
          portal: opts.portal,
          portalRoles: opts.portalRole ?? null,
          forYoungStudents: opts.forYoungStudents,
        },
        null,
        'cli',
      );
      print(opts.json, samlListing(provider), `Registered ${provider.entityId} (${provider.name}). Homeroom's metadata: ${services.config.issuer}/saml/metadata`);
    });
  });

saml
  .command('list')
  .description('list SAML apps')
  .option('--json', 'print JSON')
  .action(async (opts) => {
    await withServices(async (services) => {
      const rows = (await services.samlProviders.list()).map(samlListing);
      print(opts.json, rows, rows.map((r) => `${r.entity_id}\t${r.name}\t${r.acs_urls.join(' ')}`).join('\n') || 'No SAML apps registered.');
    });
  });

saml
  .command('remove <entityId>')
  .description('remove a SAML app; it can no longer sign anyone in')
  .option('--json', 'print JSON')
  .action(async (entityId: string, opts) => {
    await withServices(async (services) => {
      const provider = await services.samlProviders.findByEntityId(entityId);
      if (!provider) throw new AppError(404, 'SAML_APP_NOT_FOUND', 'errors.notFound');
      await services.samlAppAdmin.remove(provider.id, null, 'cli');
      print(opts.json, { removed: entityId }, `Removed ${entityId}.`);
    });
  });

for (const [action, enabled] of [
  ['disable', false],
  ['enable', true],
] as const) {
  saml
    .command(`${action} <entityId>`)
    .description(
      enabled
        ? 'turn a SAML app back on: it signs people in again and its portal tile returns'
        : 'turn a SAML app off without removing it: its sign-in requests are refused and its portal tile is hidden',
    )
    .option('--json', 'print JSON')
    .action(async (entityId: string, opts) => {
      await withServices(async (services) => {
        const provider = await services.samlProviders.findByEntityId(entityId);
        if (!provider) throw new AppError(404, 'SAML_APP_NOT_FOUND', 'errors.notFound');
        const { changed } = await services.samlAppAdmin.setEnabled(provider.id, enabled, null, 'cli');
        const state = enabled ? 'enabled' : 'disabled';
        print(opts.json, { entity_id: entityId, enabled, changed }, changed ? `${entityId} is now ${state}.` : `${entityId} was already ${state}.`);
      });
    });
}

/** The default attribute names with the --attribute changes: KEY=NAME renames, KEY= leaves the attribute out. */
function attributeMapping(changes: string[]): Partial<Record<AttributeKey, string>> {
  const mapping: Partial<Record<AttributeKey, string>> = { ...DEFAULT_ATTRIBUTE_NAMES };
  for (const change of changes) {
    const [key, ...name] = change.split('=');
    if (!(ATTRIBUTES as readonly string[]).includes(key) || !change.includes('='))
      throw new InvalidArgumentError(`--attribute ${change}: expected KEY=NAME with KEY one of ${ATTRIBUTES.join(', ')}`);
    if (name.join('=')) mapping[key as AttributeKey] = name.join('=');
    else delete mapping[key as AttributeKey];
  }
  return mapping;
}

function samlListing(p: ServiceProvider) {
  return {
    entity_id: p.entityId,
    name: p.name,
    acs_urls: p.acs.map((a) => a.url),
    slo_url: p.slo?.url ?? null,
    signed_requests: Boolean(p.certificate),
    name_id: p.nameIdSource,
    attributes: p.attributes,
    signs: p.signAssertion && p.signResponse ? 'both' : p.signAssertion ? 'assertion' : 'response',
    signature_algorithm: p.signatureAlgorithm,
    portal: p.portal,
    portal_roles: p.portalRoles,
    launch_url: p.portal ? `/saml/launch/${p.id}` : null,
    enabled: p.enabled,
  };
}

const accounts = program.command('accounts').description('accounts (students normally come from the roster)');

accounts
  .command('add')
  .description('add an account (administrators, tests)')
  .requiredOption('--username <username>')
  .requiredOption('--given-name <name>')
  .requiredOption('--family-name <name>')
  .addOption(new Option('--role <role>', `role (repeatable: ${ROLES.join(', ')}; default student)`).argParser(collectRole))
  .option('--email <email>')
  .option('--student-id <id>')
  .option('--grade <grade>')
  .option('--password-stdin', 'read the password from standard input')
  .option('--json', 'print JSON')
  .action(async (opts) => {
    if (!USERNAME_PATTERN.test(opts.username)) throw new Error('--username: letters, digits, . _ @ - only');
    const roles = (opts.role ?? ['student']) as Role[];
    const password = opts.passwordStdin ? await readStdin() : null;
    if (password !== null && password.length < 8) throw new Error('password: at least 8 characters');
    await withServices(async (services) => {
      if (await services.accounts.findByUsername(opts.username)) throw new Error(`--username: ${opts.username} already exists`);
      const account = await services.accounts.create({
        username: opts.username,
        givenName: opts.givenName,
        familyName: opts.familyName,
        email: opts.email ?? null,
        studentId: opts.studentId ?? null,
        grade: opts.grade ?? null,
        roles,
        passwordHash: password ? await services.hasher.hash(password) : null,
      });
      await services.events.emit({ type: 'account.created', subjectId: account.id, data: { via: 'cli', roles } });
      print(opts.json, { id: account.id, username: account.username, roles: account.roles, claimed: Boolean(password) }, `Created ${account.username} (${account.id}).`);
    });
  });

accounts
  .command('grant <username> <role>')
  .description(`give an account a role (${ROLES.join(', ')}); a staff member can hold several`)
  .option('--json', 'print JSON')
  .action(async (username: string, role: string, opts) => {
    const [granted] = collectRole(role);
    await withServices(async (services) => {
      const account = await services.accounts.findByUsername(username);
      if (!account) throw new AppError(404, 'ACCOUNT_NOT_FOUND', 'errors.notFound');
      await services.accounts.grantRole(account.id, granted);
      await services.events.emit({ type: 'account.role_granted', subjectId: account.id, data: { role: granted, via: 'cli' } });
      const roles = [...new Set([...account.roles, granted])].sort();
      print(opts.json, { username: account.username, roles }, `${account.username}: ${roles.join(', ')}`);
    });
  });

const roster = program.command('roster').description('the roster from the student information system (OneRoster CSV)');

roster
  .command('import <path>')
  .description('import a OneRoster set (a .zip or a folder): creates, updates, disables and re-enables accounts')
  .option('--dry-run', 'validate and print the summary without changing anything')
  .option('--allow-partial', 'apply even when some rows are invalid; those rows are skipped and reported')
  .option('--force', 'apply even when more than roster.maxDisableShare of active accounts would be disabled')
  .option('--json', 'print the report as JSON')
  .action(async (path: string, opts) => {
    const progress = process.stderr.isTTY && !opts.json ? terminalProgress(process.stderr) : lineProgress((line) => process.stderr.write(`${line}\n`));
    const options = { dryRun: Boolean(opts.dryRun), allowPartial: Boolean(opts.allowPartial), force: Boolean(opts.force) };
    const cfg = config();
    const report = await cliImport(cfg, path, options, progress);
    const column = cfg.roster.homeLanguageColumn;
    const languages = column && report.status === 'applied' ? await withServices((services) => importRosterLanguages(services.homeLanguages, path, column)) : null;
    print(opts.json, languages ? { ...report, homeLanguages: languages } : report, reportText(report) + (languages ? `\n${homeLanguageText(languages)}` : ''));
    process.exitCode = EXIT_CODES[report.status];
  });

roster
  .command('status')
  .description('the result of the last roster imports')
  .option('--limit <n>', 'how many runs to show', '1')
  .option('--json', 'print JSON')
  .action(async (opts) => {
    await withServices(async (services) => {
      const runs = await services.rosterRuns.list({ limit: Math.max(1, Number(opts.limit) || 1) });
      const text = runs.length
        ? runs
            .map(
              (r) =>
                `${new Date(r.startedAt).toISOString()}  ${r.status.padEnd(11)} ${r.mode.padEnd(8)} ${r.source}${(r.summary as { message?: string })?.message ? `\n  ${(r.summary as { message: string }).message}` : ''}`,
            )
            .join('\n')
        : 'No roster import yet.';
      print(opts.json, opts.limit === '1' ? (runs[0] ?? null) : runs, text);
    });
  });

function homeLanguageText(report: HomeLanguageReport): string {
  const counts = Object.entries(report.languages)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  return `Home languages: ${report.rows} rows, ${report.stored} stored${counts ? ` (${counts})` : ''}, ${report.blank} without a value, ${report.unknownLanguage} unknown languages (district default kept), ${report.unknownStudent} unknown students`;
}

const languages = program.command('languages').description("students' home languages (the default language of their pages and letters)");
languages
  .command('import <file>')
  .description('read a CSV file studentId,language from the student information system (codes such as es or spa, or names such as Spanish or Español)')
  .option('--json', 'print the report as JSON')
  .action(async (file: string, opts) => {
    await withServices(async (services) => {
      const report = await services.homeLanguages.importMapping(createReadStream(resolve(file)), null);
      print(opts.json, report, homeLanguageText(report));
    });
  });

program
  .command('letters')
  .description('print the letters to families: one page per student, in the home language with English on the back, as PDF')
  .requiredOption('--school <id>', "the school's roster sourcedId or its identifier (orgs.csv)")
  .option('--class <id>', "only this class's students (its roster sourcedId, classes.csv)")
  .option('--lang <code>', "auto: each student's home language; or one language code for every letter", 'auto')
  .option('--out <file>', 'the PDF file to write', 'letters.pdf')
  .action(async (opts) => {
    await withServices(async (services) => {
      const selection = await services.letters.select({ school: opts.school, classId: opts.class ?? null, lang: opts.lang });
      const printer = await openPdfPrinter(services.config.print.chromiumPath);
      try {
        const out = resolve(opts.out);
        const pages = await services.letters.print(selection, printer, createWriteStream(out), { id: null });
        process.stdout.write(`${selection.students.length} students, ${pages} pages: ${out}\n`);
      } finally {
        await printer.close();
      }
    });
  });

const badges = program.command('badges').description("young students' QR badges (grades in the policy signIn.badgeGrades)");
badges
  .command('print')
  .description('print badge sheets as PDF: one card per student (name, QR code, typed code), issuing the badges students lack')
  .option('--class <id>', "a class's students (its roster sourcedId, classes.csv)")
  .option('--school <id>', "a school's students (its roster sourcedId or identifier, orgs.csv)")
  .option('--lang <code>', 'the language of the cards', '')
  .requiredOption('--out <file>', 'the PDF file to write')
  .action(async (opts) => {
    if (Boolean(opts.class) === Boolean(opts.school)) throw new Error('give one of --class ID or --school ID');
    await withServices(async (services) => {
      const locale = opts.lang || services.config.i18n.defaultLocale;
      if (!services.i18n.has(locale)) throw new Error(`--lang: ${locale} is not a language Homeroom serves`);
      const selection = await services.badgeSheets.select({ classId: opts.class ?? null, school: opts.school ?? null, locale });
      const printer = await openPdfPrinter(services.config.print.chromiumPath);
      try {
        const out = resolve(opts.out);
        const pages = await services.badgeSheets.print(selection, printer, createWriteStream(out), { id: null });
        process.stdout.write(`${selection.students.length} badges, ${pages} pages: ${out}\n`);
      } finally {
        await printer.close();
      }
    });
  });

const demo = program.command('demo').description('the demo district');
demo
  .command('seed')
  .description('load the demo district and print its logins')
  .option('--json', 'print JSON')
  .action(async (opts) => {
    await withServices(async (services) => {
      const logins = await seedDemo(services);
      print(opts.json, logins, logins.map((l) => `${l.username}\t${l.password ?? '(not claimed)'}\t${l.name}`).join('\n'));
    });
  });

program
  .command('backup <file>')
  .description('copy the SQLite database to <file> while Homeroom serves (on PostgreSQL, use pg_dump)')
  .option('--force', 'replace <file> when it exists')
  .option('--json', 'print JSON')
  .action(async (file: string, opts) => {
    const cfg = config();
    if (cfg.databaseEngine !== 'sqlite') throw new Error('homeroom backup copies the SQLite database; on PostgreSQL use pg_dump (see docs/operations.md)');
    const target = resolve(file);
    if (existsSync(target) && !opts.force) throw new Error(`${target} exists; choose another file or pass --force`);
    const result = await backupSqlite(storeOptionsFromConfig(cfg).file!, target);
    const size = `${(result.bytes / 1024 / 1024).toFixed(1)} MB`;
    print(opts.json, result, `Backed up to ${result.file} (${size}, ${result.ms} ms).`);
  });

const keys = program.command('keys').description('token and SAML signing keys');
keys
  .command('rotate')
  .description('add a new token signing key (it signs from the next start) and the next SAML certificate (published now, signing after saml.keyRollover)')
  .option('--json', 'print JSON')
  .action(async (opts) => {
    await withServices(async (services) => {
      const kid = await rotateSigningKey(services.signingKeys);
      const next = await services.samlKeys.rotate();
      const activeFrom = new Date(next.activeFrom).toISOString();
      await services.events.emit({ type: 'keys.rotated', data: { kid, samlKid: next.kid, samlActiveFrom: activeFrom } });
      print(
        opts.json,
        { kid, saml: { kid: next.kid, activeFrom, certificate: next.certificate } },
        `New signing key ${kid}. Restart Homeroom to start signing with it.\nNext SAML certificate ${next.kid}: in the metadata now, signing from ${activeFrom}. Apps that were given the certificate by hand (Google Workspace) need it before then:\n${next.certificate.trimEnd()}`,
      );
    });
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  if (error instanceof AppError) {
    process.stderr.write(`error: ${error.code} ${JSON.stringify(error.params)}\n`);
    process.exit(2);
  }
  process.stderr.write(`error: ${(error as Error).message}\n`);
  process.exit(1);
});
