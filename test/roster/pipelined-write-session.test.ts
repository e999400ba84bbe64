import type { ApplyResult, LoadedDuplicate, Row, WriteSession } from '../../src/roster/ports.js';
import { PipelinedWriteSession } from '../../src/roster/storage/write-sessions.js';

/** A session that records what reaches it, each write finishing a tick later; `failAt` makes that users() call fail. */
function recordingSession(failAt = -1) {
  const calls: string[] = [];
  let users = 0;
  const later = () => new Promise<void>((resolve) => setImmediate(resolve));
  const session: WriteSession = {
    expectUsers: async () => void calls.push('expectUsers'),
    expectEnrollments: async () => void calls.push('expectEnrollments'),
    entities: async (file) => void calls.push(`entities ${file}`),
    users: async (rows: Row[]) => {
      const n = users++;
      calls.push(`users ${rows[0][0]} start`);
      await later();
      if (n === failAt) throw new Error(`batch ${rows[0][0]} failed`);
      calls.push(`users ${rows[0][0]} end`);
    },
    enrollmentInserts: async () => void calls.push('enrollmentInserts'),
    enrollmentUpdates: async () => void calls.push('enrollmentUpdates'),
    enrollmentLoads: async () => void calls.push('enrollmentLoads'),
    finishEnrollmentLoad: async (): Promise<LoadedDuplicate[]> => (calls.push('finishEnrollmentLoad'), []),
    finish: async (): Promise<ApplyResult> => (calls.push('finish'), { accountsCreated: 0, accountsDisabled: 0, accountsReenabled: 0, sessionsRevoked: 0, logoutNotices: 0 }),
    finishRun: async () => void calls.push('finishRun'),
    commit: async () => void calls.push('commit'),
    rollback: async () => void calls.push('rollback'),
  };
  return { session, calls };
}

describe('PipelinedWriteSession', () => {
  test('queues batches without waiting for each, writes them one at a time in order, and finish waits for them all', async () => {
    const { session, calls } = recordingSession();
    const pipelined = new PipelinedWriteSession(session);
    for (let i = 0; i < 3; i += 1) await pipelined.users([[i]]);
    // Sent, not written yet: the caller went on reading.
    expect(calls.filter((c) => c.endsWith('end'))).toEqual([]);
    await pipelined.finish({ removed: { orgs: [], academicSessions: [], courses: [], classes: [] }, disable: [], reenable: [], enrollmentDeletes: [] });
    await pipelined.commit();
    expect(calls).toEqual(['users 0 start', 'users 0 end', 'users 1 start', 'users 1 end', 'users 2 start', 'users 2 end', 'finish', 'commit']);
  });

  test('after a failed batch none is written; the failure surfaces at the next call, and the transaction can only roll back', async () => {
    const { session, calls } = recordingSession(1);
    const pipelined = new PipelinedWriteSession(session);
    for (let i = 0; i < 3; i += 1) await pipelined.users([[i]]);
    await expect(pipelined.finishEnrollmentLoad()).rejects.toThrow('batch 1 failed');
    await expect(pipelined.users([[3]])).rejects.toThrow('batch 1 failed');
    await expect(pipelined.commit()).rejects.toThrow('batch 1 failed');
    await pipelined.rollback();
    expect(calls).toEqual(['users 0 start', 'users 0 end', 'users 1 start', 'rollback']);
  });

  test('waits once too many batches are in flight, so memory stays flat', async () => {
    const { session, calls } = recordingSession();
    const pipelined = new PipelinedWriteSession(session);
    for (let i = 0; i < 40; i += 1) await pipelined.users([[i]]);
    // At most 16 sent and not yet written when the caller gets control back.
    expect(calls.filter((c) => c.endsWith('end')).length).toBeGreaterThanOrEqual(40 - 16);
    await pipelined.rollback();
    expect(calls.at(-1)).toBe('rollback');
  });
});
