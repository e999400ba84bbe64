import type { ColumnType, Generated } from 'kysely';

/** Epoch milliseconds: one portable time representation for SQLite and PostgreSQL. */
type Millis = number;
/** 0 or 1: SQLite has no boolean type. */
type Flag = number;

export interface AccountsTable {
  id: string;
  username: string;
  /** Lower-case username: the unique lookup key, since usernames are case-insensitive. */
  username_key: string;
  given_name: string;
  family_name: string;
  email: string | null;
  student_id: string | null;
  grade: string | null;
  status: 'active' | 'disabled';
  password_hash: string | null;
  password_changed_at: Millis | null;
  claimed_at: Millis | null;
  claimable_at: Millis | null;
  last_login_at: Millis | null;
  created_at: Millis;
  updated_at: Millis;
  /** When the roster first listed the account (claimable_at counts from here); null for accounts made otherwise. */
  first_seen_at: Millis | null;
  /** The first successful sign-in (set once; kept through resets): "signed in at least once" and its date. */
  first_login_at: Millis | null;
  /** 1 when the account has a second factor: the sign-in reads it with the account, at no extra query. */
  second_factor: Generated<Flag>;
  /** When the account, required to use a second factor, first signed in without one: its grace period starts there. */
  mfa_grace_from: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
}

export interface HomeLanguagesTable {
  account_id: string;
  language: string;
  source: 'roster' | 'file';
  updated_at: Millis;
}

export interface AccountRolesTable {
  account_id: string;
  role: string;
}

export interface SchoolsTable {
  /** The org's OneRoster sourcedId when it comes from the roster. */
  id: string;
  name: string;
  /** OneRoster org type (school, district, department …); null for schools made outside the roster. */
  type: string | null;
  identifier: string | null;
  parent_id: string | null;
  /** 'active', or 'tobedeleted' once the roster stops listing it (kept: accounts may still name it). */
  status: string | null;
  /** Hash of the stored roster values; null for schools made outside the roster. */
  row_hash: number | null;
  updated_at: Millis | null;
}

export interface AccountSchoolsTable {
  account_id: string;
  school_id: string;
}

export interface PasswordHistoryTable {
  id: string;
  account_id: string;
  password_hash: string;
  created_at: Millis;
}

export interface OidcClientsTable {
  client_id: string;
  name: string;
  metadata: string;
  secret_sealed: string | null;
  portal: Flag;
  /** JSON array of roles that see the portal tile; null: everyone. */
  portal_roles: string | null;
  first_party: Flag;
  launch_url: string | null;
  enabled: Flag;
  created_at: Millis;
  updated_at: Millis;
  /** JSON {"en": …, "fr": …}: the tile's name per language (null: `name` everywhere). */
  names: string | null;
  /** JSON {"en": …, "fr": …}: the tile's description per language. */
  descriptions: string | null;
  /** JSON arrays of school ids and grades that see the tile; null: everyone. */
  portal_schools: string | null;
  portal_grades: string | null;
  /** Version of the app's icon (app_icons.etag); null: no icon. */
  icon_etag: string | null;
  /** 1: a badge or pictures sign-in may open the app when the policy keeps such sign-ins to marked apps. */
  for_young_students: Generated<Flag>;
}

export interface AppIconsTable {
  client_id: string;
  content_type: string;
  data: Buffer;
  etag: string;
  updated_at: Millis;
}

export interface HelpLinksTable {
  id: string;
  /** JSON {"en": …, "fr": …}. */
  title: string;
  url: string;
  /** JSON array of roles; null: everyone. */
  roles: string | null;
  show_on_login: Flag;
  position: number;
  created_at: Millis;
  updated_at: Millis;
}

export interface PolicyOverridesTable {
  /** A policy key such as `passwords.minLength` (see src/policies/definitions.ts). */
  key: string;
  /** JSON value. */
  value: string;
  updated_at: Millis;
  /** Account id of the administrator who saved it. */
  updated_by: string | null;
}

export interface OidcPayloadsTable {
  kind: string;
  id: string;
  payload: string;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  account_id: string | null;
  expires_at: Millis | null;
  consumed_at: Millis | null;
}

/** A back-channel logout notice owed to an app (see migration 010). */
export interface LogoutNoticesTable {
  account_id: string;
  client_id: string;
  /** The provider session id the app knows the sign-in by. */
  sid: string;
  created_at: Millis;
  attempts: Generated<number>;
  /** Not sent before this time (a failed notice waits longer after each attempt). */
  next_at: Millis;
}

export interface SigningKeysTable {
  kid: string;
  jwk: string;
  created_at: Millis;
  retired_at: Millis | null;
}

export interface SecretsTable {
  name: string;
  value: string;
  created_at: Millis;
}

export interface ThrottleCountersTable {
  key: string;
  window_start: Millis;
  count: number;
}

export interface FlowsTable {
  id: string;
  kind: string;
  step: string;
  context: string;
  version: number;
  expires_at: Millis;
  created_at: Millis;
  updated_at: Millis;
  /** Digest of the secret held by the browser that started the flow; null for flows bound otherwise (sign-in). */
  browser_key: string | null;
}

export interface AuditEventsTable {
  id: string;
  at: Millis;
  type: string;
  actor_id: string | null;
  subject_id: string | null;
  ip: string | null;
  data: string;
}

export interface ChallengeAnswersTable {
  account_id: string;
  position: number;
  question_id: string;
  answer_hash: string;
  created_at: Millis;
}

export interface RpSessionsTable {
  id: string;
  app: string;
  account_sub: string;
  sid: string | null;
  id_token: string;
  claims: string;
  expires_at: Millis;
  /** The provider session (oidc_payloads.uid of kind Session) this app session was signed in through. */
  provider_session_uid: string | null;
}

/** A SAML service provider (see migration 012); `settings` is JSON. */
export interface SamlServiceProvidersTable {
  id: string;
  entity_id: string;
  name: string;
  settings: string;
  portal: Flag;
  enabled: Flag;
  created_at: Millis;
  updated_at: Millis;
  /** 1: a badge or pictures sign-in may open the app when the policy keeps such sign-ins to marked apps. */
  for_young_students: Generated<Flag>;
}

export interface SamlSigningKeysTable {
  kid: string;
  private_key: string;
  certificate: string;
  created_at: Millis;
  active_from: Millis;
}

export interface SamlSessionsTable {
  id: string;
  provider_id: string;
  account_id: string;
  name_id: string;
  name_id_format: string;
  session_index: string;
  sid: string;
  created_at: Millis;
  expires_at: Millis;
  ended_at: Millis | null;
}

export interface SamlRequestIdsTable {
  provider_id: string;
  request_id: string;
  expires_at: Millis;
}

/** The roster identity of an account: one OneRoster user, by sourcedId. */
export interface RosterUsersTable {
  sourced_id: string;
  account_id: string;
  /** The role the username template was chosen by: student, teacher or staff. */
  role: string;
  identifier: string | null;
  user_ids: string | null;
  /** Comma-separated org sourcedIds. */
  org_ids: string;
  grades: string | null;
  /** The file's own wish: 1 active, 0 tobedeleted or enabledUser=false. */
  enabled: Flag;
  /** 1 when the roster disabled the account (so the roster may enable it again). */
  disabled_by_roster: Flag;
  row_hash: number;
  /** The hash of the user's users.csv line in its context, as last imported (see UserPlanner.readUsers); null before 009. */
  line_hash: number | null;
  updated_at: Millis;
}

export interface RosterSessionsTable {
  sourced_id: string;
  status: string;
  title: string;
  type: string;
  start_date: string | null;
  end_date: string | null;
  parent_id: string | null;
  school_year: string | null;
  row_hash: number;
}

export interface RosterCoursesTable {
  sourced_id: string;
  status: string;
  title: string;
  course_code: string | null;
  org_id: string | null;
  school_year_id: string | null;
  grades: string | null;
  subjects: string | null;
  row_hash: number;
}

export interface RosterClassesTable {
  sourced_id: string;
  status: string;
  title: string;
  class_code: string | null;
  class_type: string | null;
  location: string | null;
  school_id: string;
  course_id: string | null;
  /** Comma-separated lists, as in the file. */
  term_ids: string | null;
  grades: string | null;
  subjects: string | null;
  periods: string | null;
  row_hash: number;
}

export interface RosterEnrollmentsTable {
  id: Generated<number>;
  sourced_id: string;
  class_id: string;
  /** The user's sourcedId (roster_users.sourced_id). */
  user_id: string;
  school_id: string | null;
  role: string;
  is_primary: Flag;
  begin_date: string | null;
  end_date: string | null;
  row_hash: number;
  /** The sourcedId's 64-bit key hash in two halves (null for rows stored before migration 007). */
  key_hi: number | null;
  key_lo: number | null;
}

export interface RosterRunsTable {
  id: string;
  started_at: Millis;
  finished_at: Millis | null;
  source: string;
  /** 'apply' or 'dry-run'. */
  mode: string;
  /** running, applied, dry-run, invalid, refused, failed or interrupted. */
  status: string;
  /** JSON: the report's summary. */
  summary: string;
  /** JSON: the first errors and warnings, with their counts. */
  errors: string;
}

export interface ResetTicketsTable {
  id: string;
  account_id: string;
  teacher_id: string;
  reason: string;
  /** open, approved or rejected. */
  status: string;
  note: string | null;
  created_at: Millis;
  decided_at: Millis | null;
  decided_by: string | null;
}

/** The readiness dashboard's figures per scope ('district' with scope_id '', or 'school') and grade ('' for none). */
export interface ReadinessCountsTable {
  scope: string;
  scope_id: string;
  grade: string;
  active: number;
  claimed: number;
  signed_in: number;
  ready: number;
}

/** Claims and first sign-ins per local day (days since 1970-01-01 in the district's time zone). */
export interface ReadinessDaysTable {
  scope: string;
  scope_id: string;
  grade: string;
  day: number;
  claimed: number;
  signed_in: number;
}

/** One row (id 1): when the summary was computed, for which time zone and from which day, and who is computing it. */
export interface ReadinessRefreshTable {
  id: number;
  refreshed_at: Millis | null;
  duration_ms: number | null;
  time_zone: string | null;
  since_day: number | null;
  lease_until: Millis | null;
}

export interface MfaFactorsTable {
  id: string;
  account_id: string;
  /** totp or passkey. */
  kind: string;
  name: string;
  /** The authenticator app's shared secret, sealed (see src/shared/seal.ts). */
  secret_sealed: string;
  /** The last time step whose code was accepted: a code is never taken twice. */
  last_step: number | null;
  created_at: Millis;
  last_used_at: Millis | null;
  /** A passkey's WebAuthn credential id (base64url); null for an app. */
  credential_id: string | null;
  /** A passkey's COSE public key (base64url). */
  public_key: string | null;
  /** The authenticator's signature counter as last seen (0 for passkeys that keep none). */
  sign_count: number | null;
  /** How the browser reaches the authenticator (JSON array: internal, usb, hybrid …), passed back as hints. */
  transports: string | null;
}

export interface MfaRecoveryCodesTable {
  account_id: string;
  /** HMAC-SHA-256 of the code under the server secret. */
  code_digest: string;
  created_at: Millis;
  used_at: Millis | null;
}

export interface PicturePasswordsTable {
  account_id: string;
  /** The picture sequence, hashed with the password hasher (argon2id). */
  sequence_hash: string;
  set_at: Millis;
  /** The teacher who set it; null when the family set it at claim. */
  set_by: string | null;
}

/** A young student's QR badge: the secret's keyed digest for the sign-in's lookup, and sealed for reprinting. */
export interface BadgesTable {
  id: string;
  account_id: string;
  secret_digest: string;
  secret_sealed: string;
  created_at: Millis;
  voided_at: Millis | null;
  last_used_at: Millis | null;
}

export interface Database {
  picture_passwords: PicturePasswordsTable;
  badges: BadgesTable;
  mfa_factors: MfaFactorsTable;
  mfa_recovery_codes: MfaRecoveryCodesTable;
  accounts: AccountsTable;
  account_roles: AccountRolesTable;
  schools: SchoolsTable;
  account_schools: AccountSchoolsTable;
  home_languages: HomeLanguagesTable;
  password_history: PasswordHistoryTable;
  oidc_clients: OidcClientsTable;
  oidc_payloads: OidcPayloadsTable;
  logout_notices: LogoutNoticesTable;
  signing_keys: SigningKeysTable;
  secrets: SecretsTable;
  throttle_counters: ThrottleCountersTable;
  flows: FlowsTable;
  audit_events: AuditEventsTable;
  rp_sessions: RpSessionsTable;
  saml_service_providers: SamlServiceProvidersTable;
  saml_signing_keys: SamlSigningKeysTable;
  saml_sessions: SamlSessionsTable;
  saml_request_ids: SamlRequestIdsTable;
  app_icons: AppIconsTable;
  help_links: HelpLinksTable;
  policy_overrides: PolicyOverridesTable;
  roster_users: RosterUsersTable;
  roster_sessions: RosterSessionsTable;
  roster_courses: RosterCoursesTable;
  roster_classes: RosterClassesTable;
  roster_enrollments: RosterEnrollmentsTable;
  roster_runs: RosterRunsTable;
  challenge_answers: ChallengeAnswersTable;
  reset_tickets: ResetTicketsTable;
  readiness_counts: ReadinessCountsTable;
  readiness_days: ReadinessDaysTable;
  readiness_refresh: ReadinessRefreshTable;
}

export type { Generated };
