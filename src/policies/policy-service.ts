import type { EventBus } from '../events/bus.js';
import type { Logger } from '../shared/log.js';
import { StaleCopy } from '../shared/stale-copy.js';
import { POLICY_DEFINITIONS, POLICY_KEYS, type Policies, type PolicyKey, type PolicyValues } from './definitions.js';
import type { PolicyStore } from './ports.js';

/** Defaults of the keys no config section holds. */
const DEFAULTS: Partial<PolicyValues> = { 'tickets.window': null, 'tickets.mode': 'ticket', 'readiness.deadline': null, 'google.domain': null };

type Tree = Record<string, unknown>;

const isTree = (value: unknown): value is Tree => Boolean(value) && typeof value === 'object';

function getPath(target: Tree, path: string): unknown {
  return path.split('.').reduce<unknown>((node, part) => (isTree(node) ? node[part] : undefined), target);
}

function setPath(target: Tree, path: string, value: unknown): void {
  const parts = path.split('.');
  const last = parts.pop()!;
  let node = target;
  for (const part of parts) {
    const child = node[part];
    if (!isTree(child)) return; // a section this installation does not have
    node = child;
  }
  node[last] = value;
}

const clone = <T>(value: T): T => (value === undefined ? value : structuredClone(value));

/**
 * Policies stored in the database over the values from the config file: saved ones are applied to the live config
 * object at once in this process, and other processes pick them up by re-reading the table (`refreshIfStale`, every
 * 15 seconds at most, on their next request).
 */
export class PolicyService {
  private readonly base: PolicyValues;
  private values: PolicyValues;
  private readonly copy: StaleCopy;

  constructor(
    private readonly config: Tree,
    private readonly store: PolicyStore,
    private readonly events: EventBus,
    private readonly log: Logger,
    maxAgeMs = 15_000,
  ) {
    this.copy = new StaleCopy(maxAgeMs);
    const base: Record<string, unknown> = {};
    for (const key of POLICY_KEYS) {
      const path = POLICY_DEFINITIONS[key].config[0];
      const fromConfig = path ? getPath(config, path) : undefined;
      base[key] = clone(fromConfig !== undefined ? fromConfig : (DEFAULTS[key] ?? null));
    }
    this.base = base as unknown as PolicyValues;
    this.values = clone(this.base);
  }

  /** The policies in force (no I/O: kept fresh by `refresh`). */
  current(): Policies {
    const v = this.values;
    return {
      passwords: { minLength: v['passwords.minLength'], blockCommon: v['passwords.blockCommon'] },
      questions: v['claim.questions'],
      claimDelay: v['roster.claimDelay'],
      tickets: { window: v['tickets.window'], mode: v['tickets.mode'] },
      login: { perAccount: v['login.perAccount'], perAddress: v['login.perAddress'], perDevice: v['login.perDevice'] },
      claim: { perAddress: v['claim.perAddress'], perStudent: v['claim.perStudent'] },
      recovery: { perAccount: v['recovery.perAccount'], perAddress: v['recovery.perAddress'], perDevice: v['recovery.perDevice'] },
      session: { ttl: v['session.ttl'] },
      readiness: { deadline: v['readiness.deadline'] },
      mfa: { requiredRoles: v['mfa.requiredRoles'], gracePeriod: v['mfa.gracePeriod'] },
      signIn: { badgeGrades: v['signIn.badgeGrades'], pictureGrades: v['signIn.pictureGrades'], youngApps: v['signIn.youngApps'] },
      google: { domain: v['google.domain'] },
    };
  }

  /** The flat values in force, by key. */
  snapshot(): PolicyValues {
    return clone(this.values);
  }

  /** The claim delay comes with the roster settings; an installation without them has no such policy. */
  hasClaimDelay(): boolean {
    return this.base['roster.claimDelay'] !== null;
  }

  /** Reads the stored overrides and applies them. */
  async refresh(): Promise<void> {
    const rows = await this.store.all();
    const next = clone(this.base) as unknown as Record<string, unknown>;
    for (const row of rows) {
      const definition = POLICY_DEFINITIONS[row.key as PolicyKey];
      if (!definition) continue;
      const parsed = definition.schema.safeParse(row.value);
      if (!parsed.success) {
        this.log.warn({ key: row.key }, 'ignoring an unreadable stored policy');
        continue;
      }
      if (row.key === 'roster.claimDelay' && this.base['roster.claimDelay'] === null) continue;
      next[row.key] = parsed.data;
    }
    this.apply(next as unknown as PolicyValues);
    this.copy.loaded();
  }

  /** Re-reads the table when the copy in memory is older than the refresh interval (one query per interval). */
  refreshIfStale(): Promise<void> {
    return this.copy.refreshIfStale(() => this.refresh());
  }

  /**
   * Saves changed values (already validated by `parsePolicyForm`), applies them, and audits each change with its
   * value before and after. Returns the keys that changed.
   */
  async save(changes: Partial<PolicyValues>, actor: { id: string; ip: string | null }): Promise<PolicyKey[]> {
    const before = this.values;
    const changed: Record<string, unknown> = {};
    for (const key of Object.keys(changes) as PolicyKey[]) {
      const value = POLICY_DEFINITIONS[key].schema.parse(changes[key]);
      if (JSON.stringify(value) !== JSON.stringify(before[key])) changed[key] = value;
    }
    const keys = Object.keys(changed) as PolicyKey[];
    if (!keys.length) return [];
    await this.store.put(changed, actor.id);
    this.apply({ ...clone(before), ...(changed as Partial<PolicyValues>) } as PolicyValues);
    for (const key of keys) {
      await this.events.emit({ type: 'policy.changed', actorId: actor.id, subjectId: null, ip: actor.ip, data: { key, before: before[key], after: changed[key] } });
    }
    return keys;
  }

  private apply(values: PolicyValues): void {
    this.values = values;
    for (const key of POLICY_KEYS) {
      for (const path of POLICY_DEFINITIONS[key].config) {
        if (getPath(this.config, path) !== undefined) setPath(this.config, path, clone(values[key]));
      }
    }
  }
}
