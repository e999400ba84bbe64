/** A sign-in to a SAML app: what its single logout needs. */
export interface SamlSession {
  id: string;
  providerId: string;
  accountId: string;
  nameId: string;
  nameIdFormat: string;
  sessionIndex: string;
  /** The provider sign-in session it belongs to, by the SAML bridge's `sid`. */
  sid: string;
  createdAt: number;
  expiresAt: number;
  /** When the Homeroom session ended (the app may still be owed a LogoutRequest). */
  endedAt: number | null;
}

export interface SamlSessionStore {
  create(session: SamlSession): Promise<void>;
  findByIndex(providerId: string, sessionIndex: string): Promise<SamlSession | undefined>;
  /** The unexpired sessions opened under one provider session. */
  bySid(sid: string): Promise<SamlSession[]>;
  /** Marks the sessions of a provider session as ended; returns how many were still open. */
  endBySid(sid: string, now?: number): Promise<number>;
  remove(ids: string[]): Promise<void>;
  purgeExpired(now?: number): Promise<number>;
}

export interface SamlRequestIds {
  /** Records a request ID until `expiresAt`; false when it was already recorded (a replay). */
  remember(providerId: string, requestId: string, expiresAt: number): Promise<boolean>;
  purgeExpired(now?: number): Promise<number>;
}
