/**
 * GET /healthz every `intervalMs`, in a process of its own (forked by bench/login.ts) so that the login client's
 * work does not delay the probe's own timers and callbacks. Each probe is sent on its timer tick whether or not
 * the previous one has answered, so a stalled server shows up as long latencies instead of as fewer samples.
 *
 * Protocol over IPC: parent sends {cmd:'start', base, intervalMs}, later {cmd:'stop'}; the probe answers
 * {ready:true} then {samples, errors, ownLoopDelayP99Ms}, and waits for the next start (it ends when the parent
 * disconnects).
 */
import { Agent, request } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface ProbeResult {
  /** latency in ms of every probe that answered 200 */
  samples: number[];
  /** probes that failed or answered something else */
  errors: string[];
  /** p99 of the probe process's own event-loop delay: when high, the probe itself was starved of CPU */
  ownLoopDelayP99Ms: number;
}

function probeOnce(agent: Agent, url: URL): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request({ host: url.hostname, port: url.port, path: '/healthz', method: 'GET', agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`status ${res.statusCode}`))));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

if (process.send) {
  const agent = new Agent({ keepAlive: true, maxSockets: 8, timeout: 4000 }); // idle sockets closed before the server's 5 s
  const samples: number[] = [];
  const errors: string[] = [];
  const pending = new Set<Promise<unknown>>();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  let timer: NodeJS.Timeout | null = null;

  process.on('message', async (message: { cmd: string; base?: string; intervalMs?: number }) => {
    if (message.cmd === 'start') {
      const url = new URL('/healthz', message.base);
      // One request first so the keep-alive connection exists before measuring.
      await probeOnce(agent, url).catch(() => undefined);
      loop.enable();
      timer = setInterval(() => {
        const p = probeOnce(agent, url).then(
          (ms) => void samples.push(ms),
          (error: Error) => void errors.push(error.message),
        );
        pending.add(p);
        void p.finally(() => pending.delete(p));
      }, message.intervalMs ?? 50);
      process.send!({ ready: true });
    } else if (message.cmd === 'stop') {
      if (timer) clearInterval(timer);
      await Promise.all(pending);
      loop.disable();
      const result: ProbeResult = { samples: samples.splice(0), errors: errors.splice(0), ownLoopDelayP99Ms: loop.percentile(99) / 1e6 };
      loop.reset();
      process.send!(result);
    }
  });
  process.on('disconnect', () => process.exit(0));
}
