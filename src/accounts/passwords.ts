import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

export interface HashParams {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/**
 * argon2id hashing on libuv's thread pool (never the event loop). Passwords are NFC-normalised first so the same
 * characters typed on different keyboards match. Bcrypt hashes from an older system still verify, once, and are
 * then upgraded by the caller.
 */
export class PasswordHasher {
  private dummy: Promise<string> | null = null;

  constructor(private readonly params: HashParams) {}

  hash(password: string): Promise<string> {
    // @node-rs/argon2 uses argon2id unless told otherwise (its Algorithm enum is a const enum isolatedModules cannot read).
    return argonHash(password.normalize('NFC'), { ...this.params, outputLen: 32 });
  }

  async verify(stored: string, password: string): Promise<boolean> {
    const input = password.normalize('NFC');
    if (stored.startsWith('$argon2')) {
      try {
        return await argonVerify(stored, input);
      } catch {
        return false;
      }
    }
    if (/^\$2[aby]\$/.test(stored)) return bcrypt.compare(input, stored);
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
