import { HashPool } from './hash-pool.js';

export interface HashParams {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/**
 * argon2id hashing on a pool of low-priority worker threads (never the event loop). Passwords are NFC-normalised
 * first so the same characters typed on different keyboards match. Bcrypt hashes from an older system still verify,
 * once, and are then upgraded by the caller.
 */
export class PasswordHasher {
  private dummy: Promise<string> | null = null;

  constructor(
    private readonly params: HashParams,
    private readonly pool: HashPool = sharedPool(),
  ) {}

  hash(password: string): Promise<string> {
    // @node-rs/argon2 uses argon2id unless told otherwise (its Algorithm enum is a const enum isolatedModules cannot read).
    return this.pool.run<string>('hash', { password: password.normalize('NFC'), options: { ...this.params, outputLen: 32 } });
  }

  async verify(stored: string, password: string): Promise<boolean> {
    const input = password.normalize('NFC');
    try {
      if (stored.startsWith('$argon2')) return await this.pool.run<boolean>('verify', { hash: stored, password: input });
      if (/^\$2[aby]\$/.test(stored)) return await this.pool.run<boolean>('verifyBcrypt', { hash: stored, password: input });
    } catch {
      return false;
    }
    return false;
  }

  /** True when the stored hash is not argon2id with the configured parameters. */
  needsRehash(stored: string): boolean {
    const { memoryCost, timeCost, parallelism } = this.params;
    return !stored.startsWith(`$argon2id$v=19$m=${memoryCost},t=${timeCost},p=${parallelism}$`);
  }

  /**
   * Spends the same work as a real verification, for unknown and unclaimed accounts, so that timing does not tell
   * whether an account exists.
   */
  async verifyDummy(password: string): Promise<false> {
    this.dummy ??= this.hash('homeroom-timing-equaliser');
    await this.verify(await this.dummy, password);
    return false;
  }
}

let pool: HashPool | null = null;

/** One pool per process: every hasher shares the same threads. */
function sharedPool(): HashPool {
  pool ??= new HashPool();
  return pool;
}
