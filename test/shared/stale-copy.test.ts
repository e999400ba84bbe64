import { StaleCopy } from '../../src/shared/stale-copy.js';

/** The policies and help links kept in memory are re-read through this when a request finds them stale. */
describe('StaleCopy', () => {
  function counted(copy: StaleCopy) {
    let reads = 0;
    let release: () => void = () => undefined;
    const reload = () =>
      new Promise<void>((resolve) => {
        reads += 1;
        release = () => {
          copy.loaded();
          resolve();
        };
      });
    return { reload, reads: () => reads, release: () => release() };
  }

  test('a copy never read is stale; callers arriving while it is re-read share that one read', async () => {
    const copy = new StaleCopy(60_000);
    const source = counted(copy);
    const waiting = [copy.refreshIfStale(source.reload), copy.refreshIfStale(source.reload), copy.refreshIfStale(source.reload)];
    expect(source.reads()).toBe(1);
    source.release();
    await Promise.all(waiting);
    await copy.refreshIfStale(source.reload); // fresh now
    expect(source.reads()).toBe(1);
  });

  test('a copy older than the interval is read again, once', async () => {
    const copy = new StaleCopy(20);
    const source = counted(copy);
    copy.loaded();
    await copy.refreshIfStale(source.reload);
    expect(source.reads()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const [first, second] = [copy.refreshIfStale(source.reload), copy.refreshIfStale(source.reload)];
    source.release();
    await Promise.all([first, second]);
    expect(source.reads()).toBe(1);
  });

  test('a failed read is not kept: the next caller tries again', async () => {
    const copy = new StaleCopy(60_000);
    let attempts = 0;
    const failing = async () => {
      attempts += 1;
      throw new Error('database unavailable');
    };
    await expect(copy.refreshIfStale(failing)).rejects.toThrow('database unavailable');
    await expect(copy.refreshIfStale(failing)).rejects.toThrow('database unavailable');
    expect(attempts).toBe(2);
  });
});
