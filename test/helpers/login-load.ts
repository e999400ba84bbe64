/**
 * A steady sign-in load through a cluster's front: `workers` browsers each sign in, one request at a time, over and
 * over, until stopped. Every HTTP request is recorded with when it was sent and which node answered (HAProxy names
 * it, on its own error answers too), so a test can tell which requests failed and where they were.
 */
import { NODE_HEADER } from './cluster.js';
import { signIn, WebClient } from './web-client.js';

export interface RequestRecord {
  sentAt: number;
  doneAt: number;
  node: string;
  status: number;
  error?: string;
}

export interface LoginLoad {
  requests: RequestRecord[];
  /** Each sign-in; a failed one says where it ended (status and path, or the network error). */
  logins: { doneAt: number; ok: boolean; ms: number; failure?: string }[];
  /** Browsers signed in, with the time they finished signing in (their sessions must outlive any node). */
  sessions: { browser: WebClient; at: number }[];
  stop(): Promise<void>;
}

export interface Credentials {
  username: string;
  password: string;
  /** Text of the portal page once signed in. */
  expect: string;
}

export function startLoginLoad(front: string, accounts: Credentials[], workers: number, keepSessions = 50): LoginLoad {
  const requests: RequestRecord[] = [];
  const logins: LoginLoad['logins'] = [];
  const sessions: LoginLoad['sessions'] = [];
  let running = true;

  async function worker(index: number) {
    for (let round = 0; running; round += 1) {
      const who = accounts[(index + round) % accounts.length];
      const browser = new WebClient();
      let sentAt = 0;
      let awaiting = false;
      browser.route = (url) => {
        // A GET sent again after its connection dropped (as a browser does) is the same request: it keeps its time.
        if (!awaiting) sentAt = performance.now();
        awaiting = true;
        return url;
      };
      browser.observe = (response) => {
        awaiting = false;
        requests.push({ sentAt, doneAt: performance.now(), node: response.headers.get(NODE_HEADER) ?? 'none', status: response.status });
      };
      const started = performance.now();
      try {
        const page = await signIn(browser, `${front}/`, who.username, who.password);
        const ok = page.status === 200 && page.html.includes(who.expect);
        logins.push({ doneAt: performance.now(), ok, ms: performance.now() - started, ...(ok ? {} : { failure: `${page.status} ${new URL(page.url).pathname}` }) });
        if (ok && sessions.length < keepSessions) sessions.push({ browser, at: performance.now() });
      } catch (error) {
        // A request that got no answer (the connection dropped); otherwise the sign-in stopped at a page without the
        // next form (an error page), whose response is already recorded.
        if (awaiting) requests.push({ sentAt, doneAt: performance.now(), node: 'none', status: 0, error: (error as Error).message });
        logins.push({ doneAt: performance.now(), ok: false, ms: performance.now() - started, failure: (error as Error).message });
      }
    }
  }

  const all = Array.from({ length: workers }, (_, i) => worker(i));
  return {
    requests,
    logins,
    sessions,
    async stop() {
      running = false;
      await Promise.all(all);
    },
  };
}

/** Requests that got no page of Homeroom's own: a network error, or HAProxy's 502/503/504 for a node that failed. */
export const failed = (records: RequestRecord[]) => records.filter((r) => r.status === 0 || r.status >= 500);

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `condition` holds (a loaded machine signs in slowly: tests wait for events, not for fixed times). */
export async function until(condition: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
