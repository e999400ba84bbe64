import type { Insertable, Kysely } from 'kysely';
import type { FactorListing, MfaStore, NewPasskey, StoredPasskey, StoredTotp } from '../mfa/ports.js';
import type { Database, MfaFactorsTable } from './tables.js';

export class SqlMfaStore implements MfaStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list(accountId: string): Promise<FactorListing[]> {
    const rows = await this.db
      .selectFrom('mfa_factors')
      .select(['id', 'kind', 'name', 'created_at', 'last_used_at'])
      .where('account_id', '=', accountId)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind as FactorListing['kind'],
      name: r.name,
      createdAt: Number(r.created_at),
      lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
    }));
  }

  async totps(accountId: string): Promise<StoredTotp[]> {
    const rows = await this.db.selectFrom('mfa_factors').select(['id', 'secret_sealed', 'last_step']).where('account_id', '=', accountId).where('kind', '=', 'totp').execute();
    return rows.map((r) => ({ id: r.id, secretSealed: r.secret_sealed, lastStep: r.last_step === null ? null : Number(r.last_step) }));
  }

  async passkeys(accountId: string): Promise<StoredPasskey[]> {
    const rows = await this.passkeyRows().where('account_id', '=', accountId).orderBy('created_at').execute();
    return rows.map(toPasskey);
  }

  async passkeyByCredential(credentialId: string): Promise<StoredPasskey | null> {
    const row = await this.passkeyRows().where('credential_id', '=', credentialId).executeTakeFirst();
    return row ? toPasskey(row) : null;
  }

  private passkeyRows() {
    return this.db
      .selectFrom('mfa_factors')
      .select(['id', 'account_id', 'credential_id', 'public_key', 'sign_count', 'transports'])
      .where('kind', '=', 'passkey')
      .where('credential_id', 'is not', null);
  }

  async addPasskey(accountId: string, factor: NewPasskey, codeDigests: string[] | null, now: number): Promise<void> {
    await this.addFactor(
      accountId,
      {
        id: factor.id,
        kind: 'passkey',
        name: factor.name,
        secret_sealed: '',
        last_step: null,
        credential_id: factor.credentialId,
        public_key: factor.publicKey,
        sign_count: factor.signCount,
        transports: JSON.stringify(factor.transports),
      },
      codeDigests,
      now,
    );
  }

  async usePasskey(factorId: string, signCount: number, now: number): Promise<void> {
    await this.db.updateTable('mfa_factors').set({ sign_count: signCount, last_used_at: now }).where('id', '=', factorId).execute();
  }

  async graceFrom(accountId: string, now: number): Promise<number> {
    // Two sign-ins at once: the first to write the time wins, and both read it back.
    await this.db.updateTable('accounts').set({ mfa_grace_from: now }).where('id', '=', accountId).where('mfa_grace_from', 'is', null).execute();
    const row = await this.db.selectFrom('accounts').select('mfa_grace_from').where('id', '=', accountId).executeTakeFirstOrThrow();
    return Number(row.mfa_grace_from ?? now);
  }

  async addTotp(accountId: string, factor: { id: string; name: string; secretSealed: string; lastStep: number }, codeDigests: string[] | null, now: number): Promise<void> {
    await this.addFactor(accountId, { id: factor.id, kind: 'totp', name: factor.name, secret_sealed: factor.secretSealed, last_step: factor.lastStep }, codeDigests, now);
  }

  /** A factor, the account's mark that it has one, and (the first time) its recovery codes: all or nothing. */
  private async addFactor(
    accountId: string,
    factor: Omit<Insertable<MfaFactorsTable>, 'account_id' | 'created_at' | 'last_used_at'>,
    codeDigests: string[] | null,
    now: number,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('mfa_factors')
        .values({ ...factor, account_id: accountId, created_at: now, last_used_at: null })
        .execute();
      await trx.updateTable('accounts').set({ second_factor: 1, updated_at: now }).where('id', '=', accountId).execute();
      if (codeDigests) await this.writeCodes(trx, accountId, codeDigests, now);
    });
  }

  private async writeCodes(trx: Kysely<Database>, accountId: string, codeDigests: string[], now: number): Promise<void> {
    await trx.deleteFrom('mfa_recovery_codes').where('account_id', '=', accountId).execute();
    await trx
      .insertInto('mfa_recovery_codes')
      .values(codeDigests.map((code_digest) => ({ account_id: accountId, code_digest, created_at: now, used_at: null })))
      .execute();
  }

  async useTotpStep(factorId: string, step: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('mfa_factors')
      .set({ last_step: step, last_used_at: now })
      .where('id', '=', factorId)
      .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async useRecoveryCode(accountId: string, digest: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('mfa_recovery_codes')
      .set({ used_at: now })
      .where('account_id', '=', accountId)
      .where('code_digest', '=', digest)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async unusedRecoveryCodes(accountId: string): Promise<number> {
    const row = await this.db
      .selectFrom('mfa_recovery_codes')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('account_id', '=', accountId)
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async replaceRecoveryCodes(accountId: string, codeDigests: string[], now: number): Promise<void> {
    await this.db.transaction().execute((trx) => this.writeCodes(trx, accountId, codeDigests, now));
  }

  async rename(accountId: string, factorId: string, name: string): Promise<boolean> {
    const result = await this.db.updateTable('mfa_factors').set({ name }).where('id', '=', factorId).where('account_id', '=', accountId).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async remove(accountId: string, factorId: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('mfa_factors').where('id', '=', factorId).where('account_id', '=', accountId).executeTakeFirst();
      if (Number(result.numDeletedRows) !== 1) return false;
      const left = await trx.selectFrom('mfa_factors').select('id').where('account_id', '=', accountId).limit(1).executeTakeFirst();
      if (!left) {
        await trx.deleteFrom('mfa_recovery_codes').where('account_id', '=', accountId).execute();
        await trx.updateTable('accounts').set({ second_factor: 0, updated_at: Date.now() }).where('id', '=', accountId).execute();
      }
      return true;
    });
  }

  async removeAll(accountId: string): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('mfa_factors').where('account_id', '=', accountId).executeTakeFirst();
      await trx.deleteFrom('mfa_recovery_codes').where('account_id', '=', accountId).execute();
      await trx.updateTable('accounts').set({ second_factor: 0, updated_at: Date.now() }).where('id', '=', accountId).execute();
      return Number(result.numDeletedRows);
    });
  }
}

function toPasskey(row: {
  id: string;
  account_id: string;
  credential_id: string | null;
  public_key: string | null;
  sign_count: number | string | null;
  transports: string | null;
}): StoredPasskey {
  return {
    id: row.id,
    accountId: row.account_id,
    credentialId: row.credential_id!,
    publicKey: row.public_key ?? '',
    signCount: Number(row.sign_count ?? 0),
    transports: row.transports ? (JSON.parse(row.transports) as string[]) : [],
  };
}
