/**
 * A self-service flow (login, claim, recovery) is a server-side record: the URL carries only its id,
 * so back, refresh, a second tab and a server restart all land on the step the record says.
 */
export interface Flow<Context = Record<string, unknown>> {
  id: string;
  kind: string;
  step: string;
  context: Context;
  /** Incremented on every write; a stale write (another tab got there first) is refused. */
  version: number;
  expiresAt: number;
  /**
   * Digest of the secret the browser that started the flow holds: only that browser may see or move it. Null for
   * flows bound some other way (a sign-in's, which the provider's interaction cookie binds).
   */
  browserKey: string | null;
}

export interface FlowStore {
  create<C>(flow: Omit<Flow<C>, 'version'>): Promise<Flow<C>>;
  /** Undefined when absent or expired. */
  get<C>(id: string): Promise<Flow<C> | undefined>;
  /**
   * Writes step and context (and a new expiry, when given) if the stored version is still `expectedVersion`;
   * returns false otherwise.
   */
  update<C>(id: string, expectedVersion: number, step: string, context: C, expiresAt?: number): Promise<boolean>;
  remove(id: string): Promise<void>;
  /**
   * Creates the flow, or replaces the step and context of the one with its id (a new version, whatever version was
   * there) in one statement. A flow still open keeps its expiry; an expired one starts again with `expiresAt`.
   */
  put<C>(flow: Omit<Flow<C>, 'version'>): Promise<void>;
  purgeExpired(now?: number): Promise<number>;
}
