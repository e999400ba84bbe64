/** Storage of the policies set in the admin console, implemented in src/store/policies-repo.ts. */

export interface PolicyRow {
  key: string;
  value: unknown;
  updatedAt: number;
  updatedBy: string | null;
}

export interface PolicyStore {
  all(): Promise<PolicyRow[]>;
  /** Writes several keys at once (one transaction). */
  put(values: Record<string, unknown>, updatedBy: string | null): Promise<void>;
}
