import type { Kysely } from 'kysely';
import type { FactorListing, MfaStore, StoredTotp } from '../mfa/ports.js';
import type { Database } from './tables.js';

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

  async addTotp(accountId: string, factor: { id: string; name: string; secretSealed: string; lastStep: number }, codeDigests: string[] | null, now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('mfa_factors')
        .values({
          id: factor.id,
          account_id: accountId,
          kind: 'totp',
          name: factor.name,
          secret_sealed: factor.secretSealed,
          last_step: factor.lastStep,
          created_at: now,
          last_used_at: null,
        })
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
