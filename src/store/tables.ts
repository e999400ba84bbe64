import type { Generated } from 'kysely';

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
}

export interface AccountRolesTable {
  account_id: string;
  role: string;
}

export interface SchoolsTable {
  id: string;
  name: string;
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

export interface RpSessionsTable {
  id: string;
  app: string;
  account_sub: string;
  sid: string | null;
  id_token: string;
  claims: string;
  expires_at: Millis;
}

export interface Database {
  accounts: AccountsTable;
  account_roles: AccountRolesTable;
  schools: SchoolsTable;
  account_schools: AccountSchoolsTable;
  password_history: PasswordHistoryTable;
  oidc_clients: OidcClientsTable;
  oidc_payloads: OidcPayloadsTable;
  signing_keys: SigningKeysTable;
  secrets: SecretsTable;
  throttle_counters: ThrottleCountersTable;
  flows: FlowsTable;
  audit_events: AuditEventsTable;
  rp_sessions: RpSessionsTable;
}

export type { Generated };
