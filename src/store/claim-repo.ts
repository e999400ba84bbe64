import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Account } from '../accounts/account.js';
import type { ChallengeAnswer, ClaimStore } from '../claim/ports.js';
import type { SqlAccountStore } from './accounts-repo.js';
import type { Database } from './tables.js';

export class SqlClaimStore implements ClaimStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly accounts: SqlAccountStore,
  ) {}

  async findByFoldedStudentId(foldedId: string): Promise<Account[]> {
    if (!foldedId) return [];
    const rows = await this.db
      .selectFrom('accounts')
      .select('id')
      .where(sql`lower(ltrim(student_id, '0'))`, '=', foldedId)
      .limit(5)
      .execute();
    const found = await Promise.all(rows.map((r) => this.accounts.findById(r.id)));
    return found.filter((a): a is Account => a !== null);
  }

  async completeClaim(accountId: string, passwordHash: string, answers: ChallengeAnswer[], clearCounters: string[] = [], pictureHash?: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const now = Date.now();
      const claimed = await trx
        .updateTable('accounts')
        .set({ password_hash: passwordHash, password_changed_at: now, claimed_at: now, updated_at: now })
        .where('id', '=', accountId)
        .where('password_hash', 'is', null)
        .where('status', '=', 'active')
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) return false;
      await trx.insertInto('password_history').values({ id: randomUUID(), account_id: accountId, password_hash: passwordHash, created_at: now }).execute();
      await trx.deleteFrom('challenge_answers').where('account_id', '=', accountId).execute();
      if (answers.length) {
        await trx
          .insertInto('challenge_answers')
          .values(answers.map((a, position) => ({ account_id: accountId, position, question_id: a.questionId, answer_hash: a.answerHash, created_at: now })))
          .execute();
      }
      if (pictureHash) {
        await trx
          .insertInto('picture_passwords')
          .values({ account_id: accountId, sequence_hash: pictureHash, set_at: now, set_by: null })
          .onConflict((oc) => oc.column('account_id').doUpdateSet({ sequence_hash: pictureHash, set_at: now, set_by: null }))
          .execute();
      }
      if (clearCounters.length) await trx.deleteFrom('throttle_counters').where('key', 'in', clearCounters).execute();
      return true;
    });
  }

  async questionIdsInUse(): Promise<string[]> {
    const rows = await this.db.selectFrom('challenge_answers').select('question_id').distinct().execute();
    return rows.map((r) => r.question_id);
  }

  async answers(accountId: string): Promise<ChallengeAnswer[]> {
    const rows = await this.db.selectFrom('challenge_answers').select(['question_id', 'answer_hash']).where('account_id', '=', accountId).orderBy('position').execute();
    return rows.map((r) => ({ questionId: r.question_id, answerHash: r.answer_hash }));
  }
}
