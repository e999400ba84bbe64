import { z } from 'zod';
import { ROLES } from '../accounts/account.js';
import { BUILT_IN_QUESTIONS } from '../accounts/challenge-questions.js';
import { gradeCode } from '../accounts/grade-code.js';
import { duration } from './duration.js';

/** XML signature algorithms Homeroom signs with (XML-DSig names without their URI). */
export const SAML_SIGNATURE_ALGORITHMS = ['rsa-sha256', 'rsa-sha512', 'rsa-sha1'] as const;

/**
 * Text the district gives per language (its name, its own challenge questions, help-link titles). A language it leaves
 * out reads the entry of `i18n.defaultLocale`, then English, then the first one given (I18n.pick): never an id.
 */
const localized = z
  .record(z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'expected a language tag such as en, es or pt-BR'), z.string().trim().min(1))
  .refine((values) => Object.keys(values).length > 0, 'give the text in at least one language, e.g. {"en": "…"}');

/** The demo district's name in every shipped language. */
export const DEMO_DISTRICT_NAME = {
  en: 'Maple Valley Schools',
  es: 'Escuelas de Maple Valley',
  fr: 'Écoles de Maple Valley',
  vi: 'Học khu Maple Valley',
  ht: 'Lekòl Maple Valley',
  ar: 'مدارس ميبل فالي',
  zh: '枫谷学区',
  ko: '메이플밸리 학군',
  pt: 'Escolas de Maple Valley',
  am: 'የሜፕል ቫሊ ትምህርት ቤቶች',
};

const helpLink = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9-]+$/)
    .describe('stable id of the link'),
  title: localized.describe('title per language, e.g. {"en": "…", "fr": "…"}'),
  url: z
    .string()
    .regex(/^(\/|https?:\/\/)/i, 'expected an address starting with https:// or a path on this server starting with /')
    .describe('absolute URL (https://…), or a path on this server such as /help/login'),
  roles: z.array(z.enum(ROLES)).optional().describe('roles that see it in the portal; all when absent'),
  showOnLogin: z.boolean().default(true).describe('also list it on the login page, before sign-in'),
});

/** An address with {username} or {studentId} in its local part, e.g. {username}@students.district.example. */
const emailTemplate = z
  .string()
  .regex(/^[^@\s]*\{(username|studentId)\}[^@\s]*@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, 'expected an address template such as {username}@students.district.example');

const throttleRule = z.strictObject({
  limit: z.number().int().positive(),
  window: duration(),
});

/**
 * Every key Homeroom reads, with its default and what it means. `homeroom config --json` prints the effective values;
 * docs/configuration.md is generated from these descriptions (`npm run docs:config`).
 */
export const configSchema = z.strictObject({
  server: z
    .strictObject({
      port: z.coerce.number().int().min(0).max(65535).default(3000).describe('TCP port to listen on (environment variable `PORT`)'),
      host: z.string().default('0.0.0.0').describe('address to bind'),
      issuer: z
        .url()
        .optional()
        .describe(
          'public base URL and OIDC issuer: an origin with no path, `http://localhost:<port>` when unset; an `https://` issuer makes cookies Secure (environment variable `HOMEROOM_ISSUER`)',
        ),
      trustProxy: z
        .boolean()
        .default(false)
        .describe(
          'trust `X-Forwarded-For`, `-Proto` and `-Host` from a reverse proxy (environment variable `HOMEROOM_TRUST_PROXY`); required with an `https://` issuer, since Homeroom itself speaks plain HTTP',
        ),
      proxyHops: z
        .number()
        .int()
        .min(1)
        .default(1)
        .describe('how many proxies append to `X-Forwarded-For`: the client address is taken that many entries from the right, so a client cannot forge it'),
      shutdownTimeout: duration()
        .default(20)
        .describe(
          'on SIGTERM or SIGINT, how long requests in flight may take to finish before their connections are cut; keep it under the stop grace period of Docker, Kubernetes or systemd',
        ),
      drainDelay: duration()
        .default(0)
        .describe(
          'behind a load balancer: after SIGTERM, how long to go on serving while `/healthz` answers 503, so the balancer takes the process out of rotation before it stops accepting connections (its check interval times its fall count)',
        ),
    })
    .default({ port: 3000, host: '0.0.0.0', trustProxy: false, proxyHops: 1, shutdownTimeout: 20, drainDelay: 0 }),
  database: z
    .strictObject({
      url: z.string().optional().describe('a `postgres://` URL selects PostgreSQL; otherwise Homeroom uses SQLite (environment variable `DATABASE_URL`)'),
      schema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]*$/)
        .optional()
        .describe('PostgreSQL schema to use (created when missing); default: the search path'),
      dataDir: z.string().default('./data').describe('folder of the SQLite database `homeroom.db` (environment variable `HOMEROOM_DATA_DIR`)'),
      poolSize: z.number().int().positive().default(10).describe('PostgreSQL connection pool size, per process'),
    })
    .default({ dataDir: './data', poolSize: 10 }),
  demo: z
    .strictObject({
      enabled: z
        .boolean()
        .default(true)
        .describe('seed the demo district at start when the database is empty (environment variable `HOMEROOM_DEMO`: `0`, `false`, `no` or `off` disables it)'),
    })
    .default({ enabled: true }),
  district: z
    .strictObject({
      name: localized
        .default(DEMO_DISTRICT_NAME)
        .describe(
          'district name per language (`{en: …, es: …}`), shown in page titles and on the letters; a language left out shows the `i18n.defaultLocale` entry, then the English one',
        ),
      timeZone: z
        .string()
        .refine((zone) => {
          try {
            new Intl.DateTimeFormat('en', { timeZone: zone });
            return true;
          } catch {
            return false;
          }
        }, 'expected an IANA time zone such as America/New_York')
        .default('UTC')
        .describe('time zone of dates shown to families and staff (an IANA name such as `America/New_York`)'),
      helpDesk: z
        .string()
        .max(200)
        .default('')
        .describe("how families reach the district's help desk (a phone number, an address), printed on the letters; empty: the letters send families to the student's teacher"),
    })
    .default({
      name: DEMO_DISTRICT_NAME,
      timeZone: 'UTC',
      helpDesk: '',
    }),
  claim: z
    .strictObject({
      nameMatch: z
        .enum(['normalized', 'exact'])
        .default('normalized')
        .describe('`normalized` forgives case, Latin accents, spacing, apostrophe and hyphen variants; `exact` only surrounding spaces'),
      flowTtl: duration().default(3600).describe('time allowed to finish claiming or recovering an account'),
      perAddress: throttleRule.default({ limit: 20, window: 3600 }).describe('failed identity checks allowed per client address'),
      perStudent: throttleRule.default({ limit: 5, window: 3600 }).describe('failed identity checks allowed per student ID'),
      questions: z
        .array(z.union([z.enum(BUILT_IN_QUESTIONS), z.strictObject({ id: z.string().regex(/^[a-z0-9-]+$/i), text: localized })]))
        .min(3)
        .default([...BUILT_IN_QUESTIONS])
        .describe(
          "challenge-question pool: built-in ids (translated in every language), or `{id, text: {en: …, es: …}}` for the district's own; a language its text leaves out shows the `i18n.defaultLocale` entry, then the English one",
        ),
    })
    .default({ nameMatch: 'normalized', flowTtl: 3600, perAddress: { limit: 20, window: 3600 }, perStudent: { limit: 5, window: 3600 }, questions: [...BUILT_IN_QUESTIONS] }),
  recovery: z
    .strictObject({
      perAccount: throttleRule.default({ limit: 5, window: 86400 }).describe("wrong answer sets allowed per account before recovery locks (then a teacher's ticket)"),
      perAddress: throttleRule.default({ limit: 30, window: 3600 }).describe('wrong answer sets allowed per client address'),
      perDevice: throttleRule
        .default({ limit: 5, window: 86400 })
        .describe('wrong answer sets allowed from a browser where the account signed in before; they do not count against the account, so its lock does not stop the owner there'),
    })
    .default({ perAccount: { limit: 5, window: 86400 }, perAddress: { limit: 30, window: 3600 }, perDevice: { limit: 5, window: 86400 } }),
  i18n: z
    .strictObject({
      defaultLocale: z
        .string()
        .regex(/^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/, 'a language tag such as en, fr or pt-BR')
        .default('en')
        .describe('language when the browser asks for none Homeroom serves; a shipped one or one added in overridesDir'),
      overridesDir: z
        .string()
        .min(1)
        .optional()
        .describe("folder of <locale>.json files with the district's own wording of any message, or a whole new language; checked at start (default: none)"),
    })
    .default({ defaultLocale: 'en' }),
  passwords: z
    .strictObject({
      memoryCost: z.number().int().min(8192).default(19456).describe("argon2id memory in KiB (minimum 8192; 19456 is OWASP's minimum)"),
      timeCost: z.number().int().min(1).default(2).describe('argon2id iterations'),
      parallelism: z.number().int().min(1).default(1).describe('argon2id lanes'),
      minLength: z.number().int().min(8).max(64).default(8).describe("shortest new password, in characters (the admin console's policy overrides it)"),
      maxLength: z.number().int().min(64).max(1024).default(128).describe('longest new password; never truncated'),
      blockCommon: z.boolean().default(true).describe('refuse passwords from the list of common breached passwords'),
    })
    .default({ memoryCost: 19456, timeCost: 2, parallelism: 1, minLength: 8, maxLength: 128, blockCommon: true }),
  login: z
    .strictObject({
      perAccount: throttleRule.default({ limit: 10, window: 900 }).describe('failed sign-ins allowed per account per window'),
      perAddress: throttleRule.default({ limit: 100, window: 900 }).describe('failed sign-ins allowed per client address per window'),
      perDevice: throttleRule
        .default({ limit: 10, window: 900 })
        .describe(
          'failed sign-ins allowed from a browser where the account signed in before; they do not count against the account, so an attacker locking it does not lock the owner out there',
        ),
      trustedDeviceTtl: duration()
        .default(90 * 86400)
        .describe('how long a browser stays trusted for an account after a successful sign-in (its device cookie); `0` turns device trust off'),
    })
    .default({ perAccount: { limit: 10, window: 900 }, perAddress: { limit: 100, window: 900 }, perDevice: { limit: 10, window: 900 }, trustedDeviceTtl: 90 * 86400 }),
  signIn: z
    .strictObject({
      badgeGrades: z
        .array(gradeCode)
        .max(40)
        .default([])
        .describe("roster grade codes (e.g. `KG`, `01`) whose students may sign in with a QR badge; none by default (the admin console's policy overrides it)"),
      pictureGrades: z
        .array(gradeCode)
        .max(40)
        .default([])
        .describe('roster grade codes whose students may sign in with a picture password; their claim sets pictures instead of challenge questions'),
      youngApps: z
        .enum(['all', 'marked'])
        .default('all')
        .describe('what a badge or picture sign-in may open: `all` apps, or only the apps `marked` for young students (a password sign-in opens them all)'),
    })
    .default({ badgeGrades: [], pictureGrades: [], youngApps: 'all' }),
  mfa: z
    .strictObject({
      requiredRoles: z
        .array(z.enum(ROLES))
        .default(['admin', 'helpdesk'])
        .describe(
          'roles that must use a second factor: an account holding one sets up an authenticator app at its next sign-in, before reaching any app (other staff may set one up at /account/security)',
        ),
      confirmStudents: z.boolean().default(false).describe('must be true for requiredRoles to include student: a second factor for children is a decision to take on purpose'),
      perAccount: throttleRule
        .default({ limit: 5, window: 900 })
        .describe('wrong second-factor codes allowed per account per window (counted apart from passwords, so a known password buys no extra guesses)'),
      issuer: z
        .string()
        .min(1)
        .max(60)
        .optional()
        .describe('name authenticator apps and passkey managers show beside the code or key; default the district name in the default language'),
      gracePeriod: duration()
        .default(0)
        .describe(
          'how long an account that must use a second factor may put off setting one up ("Later" at sign-in), counted from its first sign-in without one after the requirement applied to it; 0: no grace, it sets one up at that sign-in',
        ),
    })
    .refine((m) => !m.requiredRoles.includes('student') || m.confirmStudents, {
      message: 'requiring a second factor of students needs mfa.confirmStudents: true',
      path: ['requiredRoles'],
    })
    .default({ requiredRoles: ['admin', 'helpdesk'], confirmStudents: false, perAccount: { limit: 5, window: 900 }, gracePeriod: 0 }),
  session: z
    .strictObject({
      ttl: duration()
        .default(8 * 3600)
        .describe('sign-in session length; short, since devices are shared'),
      interactionTtl: duration().default(3600).describe('time allowed to finish a sign-in page'),
      portalTtl: duration()
        .default(8 * 3600)
        .describe('longest a portal or demo app session lasts; it always ends with the sign-in session it came from'),
    })
    .default({ ttl: 8 * 3600, interactionTtl: 3600, portalTtl: 8 * 3600 }),
  tokens: z
    .strictObject({
      accessTokenTtl: duration().default(3600).describe('access token lifetime'),
      idTokenTtl: duration().default(3600).describe('ID token lifetime'),
      refreshTokenTtl: duration()
        .default(14 * 86400)
        .describe('refresh token lifetime'),
      authorizationCodeTtl: duration().default(60).describe('authorization code lifetime'),
    })
    .default({ accessTokenTtl: 3600, idTokenTtl: 3600, refreshTokenTtl: 14 * 86400, authorizationCodeTtl: 60 }),
  secrets: z
    .strictObject({
      cookieKeys: z
        .array(z.string().min(32))
        .default([])
        .describe('keys that sign cookies, newest first, each at least 32 characters. When the list is empty, Homeroom generates one and stores it in the database'),
      sealKey: z
        .string()
        .regex(/^[A-Za-z0-9+/]{43}=$/, 'expected 32 random bytes in base64 (openssl rand -base64 32)')
        .optional()
        .describe(
          '32 random bytes in base64 (`openssl rand -base64 32`) that encrypt client secrets at rest. Keep it outside the database so a stolen backup does not reveal them; generated and stored in the database when absent (environment variable `HOMEROOM_SEAL_KEY`)',
        ),
    })
    .default({ cookieKeys: [] }),
  portal: z
    .strictObject({
      helpLinks: z
        .array(helpLink)
        .default([])
        .describe(
          'help tiles on the portal and the sign-in page, each `{id, title: {en, fr}, url, roles?, showOnLogin?}`. `roles` limits who sees the link in the portal, and `showOnLogin` (default `true`) also lists it on the sign-in page. When the list is empty, Homeroom shows its built-in pages `/help/login` and `/help/wifi`',
        ),
    })
    .default({ helpLinks: [] }),
  oidc: z
    .strictObject({
      privateNetworkHosts: z
        .array(z.string().min(1))
        .default([])
        .describe(
          "host names of apps on the district network that Homeroom may call back (back-channel logout) although they resolve to private or loopback addresses. Every other such address is refused (protection against server-side request forgery); Homeroom's own apps are always reached internally",
        ),
    })
    .default({ privateNetworkHosts: [] }),
  email: z
    .strictObject({
      templates: z
        .strictObject({
          student: emailTemplate.optional(),
          teacher: emailTemplate.optional(),
          staff: emailTemplate.optional(),
        })
        .default({})
        .describe(
          'email address per role (`student`, `teacher`, `staff`) for accounts whose roster row has none, such as `{username}@students.district.example` (placeholders `{username}`, `{studentId}`): Google Workspace, the OIDC `email` claim, SAML `mail` and email NameIDs',
        ),
    })
    .default({ templates: {} }),
  saml: z
    .strictObject({
      entityId: z.url().optional().describe("the SAML identity provider's entity ID, as service providers know it; default `<issuer>/saml/metadata`"),
      signatureAlgorithm: z
        .enum(SAML_SIGNATURE_ALGORITHMS)
        .default('rsa-sha256')
        .describe('how assertions, responses and logout messages are signed unless an app asks otherwise (`rsa-sha512`; `rsa-sha1` only for old service providers)'),
      clockSkew: duration().default(60).describe('clock difference tolerated with service providers, both ways'),
      requestLifetime: duration().default(300).describe('how old an AuthnRequest or LogoutRequest may be; its ID is remembered this long, so a replay is refused'),
      assertionLifetime: duration().default(300).describe('how long an assertion can be used after it is issued (`NotOnOrAfter`)'),
      maxMessageBytes: z.number().int().min(4096).max(1048576).default(65536).describe('largest SAML message accepted, encoded'),
      maxInflatedBytes: z
        .number()
        .int()
        .min(4096)
        .max(4194304)
        .default(262144)
        .describe('largest SAML message accepted once decompressed (HTTP-Redirect): a deflate bomb stops here'),
      keyRollover: duration()
        .default(14 * 86400)
        .describe('after `homeroom keys rotate`, how long the next SAML certificate is published in the metadata before it signs'),
    })
    .default({
      signatureAlgorithm: 'rsa-sha256',
      clockSkew: 60,
      requestLifetime: 300,
      assertionLifetime: 300,
      maxMessageBytes: 65536,
      maxInflatedBytes: 262144,
      keyRollover: 14 * 86400,
    }),
  roster: z
    .strictObject({
      studentIdSource: z
        .string()
        .regex(/^(identifier|sourcedId|userIds:[A-Za-z0-9_.-]+)$/, 'expected identifier, sourcedId or userIds:<TYPE> (e.g. userIds:SIS)')
        .default('identifier')
        .describe('where a student number comes from in `users.csv`: `identifier`, `sourcedId`, or one type of `userIds` such as `userIds:SIS` (`{SIS:123456}`)'),
      usernameTemplates: z
        .strictObject({
          student: z.string().min(1).default('S0{studentNumber}').describe('username of a student'),
          teacher: z.string().min(1).default('{username}').describe('username of a teacher'),
          staff: z.string().min(1).default('{username}').describe('username of other staff (administrators, aides, proctors)'),
        })
        .default({ student: 'S0{studentNumber}', teacher: '{username}', staff: '{username}' })
        .describe('username per role. Placeholders: `{studentNumber}`, `{identifier}`, `{username}`, `{sourcedId}`, `{email}`, `{emailLocalPart}`'),
      claimDelay: duration()
        .default(86400)
        .describe("time from the roster first listing an account until it can be claimed (`0` allows it at once). The admin console's policy overrides it"),
      maxDisableShare: z
        .number()
        .min(0)
        .max(1)
        .default(0.1)
        .describe(
          'a bulk import that would disable more than this share of active roster accounts is refused unless `--force` (a half-exported file must not lock a district out)',
        ),
      watchDir: z.string().optional().describe('folder the running server watches for OneRoster zips or folders to import; each is moved to `done/` or `failed/` with its report'),
      watchInterval: duration().default(60).describe('how often the server looks in `roster.watchDir`'),
      importMemory: z
        .number()
        .int()
        .min(64)
        .optional()
        .describe(
          'megabytes of JavaScript heap each thread of `homeroom roster import` may use: a hard bound (the import runs in a thread with it, and one that needs more stops with nothing changed); unset, the heap is not bounded',
        ),
      homeLanguageColumn: z
        .string()
        .regex(/^[A-Za-z0-9_.:-]+$/, 'expected a users.csv column name such as metadata.homeLanguage')
        .optional()
        .describe(
          "users.csv column holding each student's home language (a code such as es or spa, or a name such as Spanish or Español), read at each import; default: none (see `homeroom languages import` for a mapping file)",
        ),
    })
    .default({
      studentIdSource: 'identifier',
      usernameTemplates: { student: 'S0{studentNumber}', teacher: '{username}', staff: '{username}' },
      claimDelay: 86400,
      maxDisableShare: 0.1,
      watchInterval: 60,
    }),
  print: z
    .strictObject({
      chromiumPath: z
        .string()
        .min(1)
        .default('/usr/bin/chromium')
        .describe("the Chromium that prints PDFs (letters to families): Debian's package chromium, with fonts-noto-core and fonts-noto-cjk for every script"),
    })
    .default({ chromiumPath: '/usr/bin/chromium' }),
  letters: z
    .strictObject({
      paper: z.enum(['letter', 'a4']).default('letter').describe('paper size of the letters to families'),
      chunk: z.number().int().min(1).max(1000).default(100).describe('students printed per Chromium document; bounds the memory of a school-wide print'),
    })
    .default({ paper: 'letter', chunk: 100 }),
  metrics: z
    .strictObject({
      enabled: z.boolean().default(false).describe('serve `GET /metrics` (Prometheus text format). Off, the path answers 404'),
      token: z
        .string()
        .min(16)
        .optional()
        .describe(
          'bearer token Prometheus must send (`Authorization: Bearer …`), at least 16 characters; required when `metrics.enabled` is true. Any other request to `/metrics` answers 404. Never printed by `homeroom config`',
        ),
    })
    .refine((m) => !m.enabled || Boolean(m.token), { message: 'metrics.token is required when metrics.enabled is true', path: ['token'] })
    .default({ enabled: false }),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('how much is logged (environment variable `LOG_LEVEL`)'),
    })
    .default({ level: 'info' }),
});

export type ConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
export type HelpLinkConfig = z.output<typeof helpLink>;
