/**
 * Homeroom deployed the way a large district runs it: several `homeroom start` processes on one PostgreSQL schema,
 * behind HAProxy (round robin, no stickiness, health checks on /healthz), all on loopback ports picked at run time.
 * Used by the multi-node suites and `npm run bench:cluster`; everything it starts is stopped by `close()`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from './process-server.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The response header HAProxy adds, naming the node that answered (or that a failed request was sent to). */
export const NODE_HEADER = 'x-homeroom-node';

/** HAProxy checks each node this often and takes it out after FALL failed checks (about a second). */
const CHECK_INTERVAL_MS = 500;
const FALL = 2;
/** How long after a node dies HAProxy may still send it a request: until its checks have failed FALL times. */
export const DETECTION_MS = CHECK_INTERVAL_MS * (FALL + 1);

export function haproxyAvailable(): boolean {
  return spawnSync('haproxy', ['-v'], { stdio: 'ignore' }).status === 0;
}

export interface HomeroomNode {
  name: string;
  port: number;
  /** The node's own address (the issuer stays the front's). */
  url: string;
  output(): string;
  running(): boolean;
  pid(): number | undefined;
  /** Starts (or restarts) the process and waits until it answers /healthz. */
  start(): Promise<void>;
  /** Sends a signal; with `wait`, resolves when the process has exited. */
  signal(signal: NodeJS.Signals, wait?: boolean): Promise<number | null>;
}

export interface Cluster {
  /** HAProxy's front: the issuer every node announces and the address people use. */
  url: string;
  nodes: HomeroomNode[];
  databaseUrl: string;
  schema: string;
  haproxyPid: number | undefined;
  close(): Promise<void>;
}

export interface ClusterOptions {
  nodes?: number;
  /** PostgreSQL database (a fresh schema is made in it and dropped by close()). */
  databaseUrl: string;
  /** Environment added to every node. */
  env?: Record<string, string>;
  /** Config sections written to every node's config file (merged over the cluster's own). */
  config?: Record<string, unknown>;
  /** Node to run Homeroom with (default: the one running this). */
  nodeBinary?: string;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what()}: not ready within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function haproxyConfig(frontPort: number, nodes: { name: string; port: number }[]): string {
  return [
    'global',
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    // A node that refuses the connection (stopped, killed, restarting) costs nothing: the request goes to another one.
    '  retries 3',
    '  option redispatch 1',
    '  option http-server-close',
    '  option forwardfor',
    'frontend front',
    `  bind 127.0.0.1:${frontPort}`,
    '  default_backend homeroom',
    'backend homeroom',
    '  balance roundrobin',
    '  option httpchk GET /healthz',
    '  http-check expect status 200',
    `  default-server inter ${CHECK_INTERVAL_MS} fall ${FALL} rise 2`,
    // Also on HAProxy's own error answers (a node that died mid-request), so a test can tell which node it was.
    `  http-after-response set-header X-Homeroom-Node %s`,
    ...nodes.map((n) => `  server ${n.name} 127.0.0.1:${n.port} check`),
    '',
  ].join('\n');
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const count = options.nodes ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'homeroom-cluster-'));
  const schema = `cluster_${randomBytes(5).toString('hex')}`;
  const frontPort = await freePort();
  const url = `http://127.0.0.1:${frontPort}`;
  const configFile = join(dir, 'homeroom.json');
  const extra = options.config ?? {};
  writeFileSync(
    configFile,
    JSON.stringify({
      // The cluster suites sign the demo's admin and help desk in with a password alone.
      mfa: { requiredRoles: [] },
      ...extra,
      server: { host: '127.0.0.1', trustProxy: true, drainDelay: DETECTION_MS / 1000, ...((extra.server as object) ?? {}) },
      database: { schema, poolSize: 5, ...((extra.database as object) ?? {}) },
    }),
  );

  const children: ChildProcess[] = [];
  let haproxy: ChildProcess | null = null;
  const nodes: HomeroomNode[] = [];

  const close = async () => {
    const exits = children.filter((c) => c.exitCode === null && c.signalCode === null).map((c) => new Promise((r) => c.once('exit', r)));
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (haproxy && haproxy.exitCode === null) {
      const exited = new Promise((r) => haproxy!.once('exit', r));
      haproxy.kill('SIGKILL');
      await exited;
    }
    await Promise.all(exits);
    rmSync(dir, { recursive: true, force: true });
    const client = new pg.Client({ connectionString: options.databaseUrl });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await client.end();
    }
  };

  try {
    for (let i = 1; i <= count; i += 1) {
      const name = `node${i}`;
      const port = await freePort();
      let child: ChildProcess | null = null;
      let output = '';
      const node: HomeroomNode = {
        name,
        port,
        url: `http://127.0.0.1:${port}`,
        output: () => output,
        running: () => child !== null && child.exitCode === null && child.signalCode === null,
        pid: () => child?.pid,
        async start() {
          output = '';
          const started = spawn(options.nodeBinary ?? process.execPath, ['bin/homeroom.js', 'start'], {
            cwd: ROOT,
            env: {
              ...process.env,
              NODE_OPTIONS: '',
              HOMEROOM_CONFIG: configFile,
              DATABASE_URL: options.databaseUrl,
              HOMEROOM_ISSUER: url,
              PORT: String(port),
              LOG_LEVEL: 'warn',
              ...options.env,
            },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          child = started;
          children.push(started);
          started.stdout!.on('data', (chunk) => (output += chunk));
          started.stderr!.on('data', (chunk) => (output += chunk));
          await waitFor(
            async () => {
              if (started.exitCode !== null) throw new Error(`${name} exited with ${started.exitCode}:\n${output}`);
              return (await fetch(`${node.url}/healthz`)).ok;
            },
            120_000,
            () => `${name}\n${output}`,
          );
        },
        async signal(signal, wait = true) {
          const current = child;
          if (!current || current.exitCode !== null || current.signalCode !== null) return current?.exitCode ?? null;
          const exited = new Promise<number | null>((r) => current.once('exit', (code) => r(code)));
          current.kill(signal);
          return wait ? exited : null;
        },
      };
      nodes.push(node);
    }

    // The first start creates the signing key and the demo district; the others find them.
    await nodes[0].start();
    await Promise.all(nodes.slice(1).map((n) => n.start()));

    const haproxyFile = join(dir, 'haproxy.cfg');
    writeFileSync(haproxyFile, haproxyConfig(frontPort, nodes));
    let haproxyOutput = '';
    haproxy = spawn('haproxy', ['-db', '-f', haproxyFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    haproxy.stdout!.on('data', (chunk) => (haproxyOutput += chunk));
    haproxy.stderr!.on('data', (chunk) => (haproxyOutput += chunk));
    const proxy = haproxy;
    // Every node seen through the front: HAProxy is up and counts them all as healthy.
    const seen = new Set<string>();
    await waitFor(
      async () => {
        if (proxy.exitCode !== null) throw new Error(`haproxy exited with ${proxy.exitCode}:\n${haproxyOutput}`);
        const response = await fetch(`${url}/healthz`);
        const name = response.headers.get(NODE_HEADER);
        if (response.ok && name) seen.add(name);
        return seen.size === count;
      },
      30_000,
      () => `haproxy (saw ${[...seen].join(', ') || 'no node'})\n${haproxyOutput}`,
    );
    return { url, nodes, databaseUrl: options.databaseUrl, schema, haproxyPid: proxy.pid, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

/** Waits until HAProxy sends requests to `node` again (it rejoined after a restart). */
export async function waitUntilServing(cluster: Cluster, node: HomeroomNode, timeoutMs = 20_000): Promise<void> {
  await waitFor(
    async () => (await fetch(`${cluster.url}/healthz`)).headers.get(NODE_HEADER) === node.name,
    timeoutMs,
    () => `${node.name} back in rotation`,
  );
}
