/**
 * Reads a V8 .cpuprofile (the server run with --cpu-prof) and says where the event loop's time went: self time per
 * function and per package/source area. Only the main thread is profiled; argon2 runs on the thread pool and does
 * not appear here, which is the point: everything listed is per-login work competing with argon2 for the cores.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  ms: number;
}

export interface ProfileReport {
  /** ms the main thread was not idle, over the whole profile */
  busyMs: number;
  totalMs: number;
  byArea: ProfileEntry[];
  byFunction: ProfileEntry[];
}

/** Coarse owner of a frame: a package, our own source folder, node internals, or V8 pseudo-frames. */
function area(url: string, functionName: string): string {
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(program)') return 'V8/native (program)';
    return `native ${functionName || '(anonymous)'}`;
  }
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const src = /\/(src|views|bin)\/(.*)$/.exec(url);
  if (src) return `${src[1]}/${src[2].split('/')[0]}`;
  return url.replace(/^file:\/\//, '');
}

/**
 * `window` is in microseconds of the system's monotonic clock (process.hrtime in any process on this machine, which
 * is also the clock V8 stamps profiles with), to count only the surge.
 */
export function analyzeProfile(file: string, window?: { fromUs: number; toUs: number }): ProfileReport {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i += 1) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (window && (t < window.fromUs || t > window.toUs)) continue;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + delta);
  }
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const a = area(url, functionName);
    total += us;
    if (a === 'idle') continue;
    busy += us;
    areas.set(a, (areas.get(a) ?? 0) + us);
    const short = url ? url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|views|bin)\//, '$1/') : '';
    const fname = `${functionName || '(anonymous)'}${short ? ` ${short}:${lineNumber + 1}` : ''}`;
    functions.set(fname, (functions.get(fname) ?? 0) + us);
  }
  const sorted = (m: Map<string, number>) => [...m].map(([name, us]) => ({ name, ms: us / 1000 })).sort((a, b) => b.ms - a.ms);
  return { busyMs: busy / 1000, totalMs: total / 1000, byArea: sorted(areas), byFunction: sorted(functions) };
}
