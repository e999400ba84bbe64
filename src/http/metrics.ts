import { timingSafeEqual, createHash } from 'node:crypto';
import type { Middleware } from 'koa';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { EventBus } from '../events/bus.js';

/** Route groups for the latency histogram: a handful of fixed labels, never a raw path (ids would explode it). */
const ROUTE_GROUPS: [RegExp, string][] = [
  [/^\/interaction\//, 'login'],
  [/^\/auth(\/|$)/, 'oidc_authorize'],
  [/^\/token(\/|$)/, 'oidc_token'],
  [/^\/me$/, 'oidc_userinfo'],
  [/^\/(jwks|\.well-known\/)/, 'oidc_discovery'],
  [/^\/session\/end/, 'logout'],
  [/^\/(portal\/|logout$|signed-out$|$)/, 'portal'],
  [/^\/claim/, 'claim'],
  [/^\/recover/, 'recovery'],
  [/^\/admin(\/|$)/, 'admin'],
  [/^\/apps\/[^/]+\/icon$/, 'icons'],
  [/^\/(help\/|assets\/)/, 'static'],
  [/^\/demo-app/, 'demo_app'],
  [/^\/saml\//, 'saml'],
  [/^\/(healthz|readyz|metrics)$/, 'operations'],
  [/^\/(token\/|session\/)/, 'oidc_other'],
];

export function routeGroup(path: string): string {
  for (const [pattern, group] of ROUTE_GROUPS) if (pattern.test(path)) return group;
  return 'other';
}

export interface MetricsSettings {
  enabled: boolean;
  token?: string;
}

/**
 * Prometheus metrics of one process. Counters follow the domain events (they are not sprinkled through the code):
 * logins, claims, recoveries and throttles by outcome, every event by type, roster imports; plus request latency by
 * route group and the default process metrics.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly latency: Histogram<'group' | 'method' | 'status'>;

  constructor(events: EventBus) {
    collectDefaultMetrics({ register: this.registry, prefix: 'homeroom_' });
    const counter = (name: string, help: string, labelNames: string[]) => new Counter({ name, help, labelNames, registers: [this.registry] });
    const eventsTotal = counter('homeroom_events_total', 'Domain events (the audit log) by type', ['type']);
    const logins = counter('homeroom_logins_total', 'Sign-in attempts by outcome (success, failure, throttled)', ['outcome']);
    const claims = counter('homeroom_claims_total', 'Claim my Account steps by outcome (completed, identified, failed, throttled, too_early …)', ['outcome']);
    const recoveries = counter('homeroom_recoveries_total', 'Forgot my Password steps by outcome (started, completed, failed, locked, throttled …)', ['outcome']);
    const throttles = counter('homeroom_throttled_total', 'Requests refused for too many attempts, by flow', ['flow']);
    const imports = counter('homeroom_roster_imports_total', 'Roster imports by result', ['result']);
    const importSeconds = new Histogram({
      name: 'homeroom_roster_import_duration_seconds',
      help: 'Duration of roster imports (when the import reports it)',
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'homeroom_http_request_duration_seconds',
      help: 'HTTP request latency by route group',
      labelNames: ['group', 'method', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });

    const LOGIN: Record<string, string> = { 'login.succeeded': 'success', 'login.failed': 'failure', 'login.throttled': 'throttled' };
    events.subscribe((event) => {
      const { type } = event;
      eventsTotal.inc({ type });
      if (LOGIN[type]) logins.inc({ outcome: LOGIN[type] });
      if (type === 'account.claimed') claims.inc({ outcome: 'completed' });
      else if (type.startsWith('claim.')) claims.inc({ outcome: type.slice('claim.'.length) });
      if (type === 'password.reset' && event.data?.via === 'challenge_questions') recoveries.inc({ outcome: 'completed' });
      else if (type.startsWith('recovery.')) recoveries.inc({ outcome: type.slice('recovery.'.length) });
      if (type.endsWith('.throttled')) throttles.inc({ flow: type.slice(0, -'.throttled'.length) });
      if (type === 'roster.imported' || type === 'roster.import_rejected') {
        imports.inc({ result: type === 'roster.imported' ? 'applied' : 'rejected' });
        const ms = Number(event.data?.durationMs);
        if (Number.isFinite(ms) && ms >= 0) importSeconds.observe(ms / 1000);
      }
    });
  }

  /** Times every request (first in the chain, so errors and the provider's own endpoints count too). */
  timing(): Middleware {
    return async (ctx, next) => {
      const end = this.latency.startTimer();
      try {
        await next();
      } finally {
        end({ group: routeGroup(ctx.path), method: ctx.method === 'GET' || ctx.method === 'POST' ? ctx.method : 'other', status: `${Math.floor(ctx.status / 100)}xx` });
      }
    };
  }

  /**
   * GET /metrics in the Prometheus text format. Off unless `metrics.enabled`; then only with the bearer token of
   * `metrics.token`. Anything else is a plain 404, so the endpoint does not announce itself.
   */
  endpoint(settings: () => MetricsSettings): Middleware {
    const digest = (text: string) => createHash('sha256').update(text).digest();
    return async (ctx, next) => {
      if (ctx.path !== '/metrics' || ctx.method !== 'GET') return next();
      const { enabled, token } = settings();
      const given = /^Bearer (.+)$/i.exec(ctx.get('authorization'))?.[1] ?? '';
      if (!enabled || !token || !timingSafeEqual(digest(given), digest(token))) {
        ctx.status = 404;
        ctx.body = { error: 'NOT_FOUND' };
        return;
      }
      ctx.set('Cache-Control', 'no-store');
      ctx.type = this.registry.contentType;
      ctx.body = await this.registry.metrics();
    };
  }
}
