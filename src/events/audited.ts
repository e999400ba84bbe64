import type { Logger } from '../shared/log.js';
import type { Store } from '../store/database.js';
import { SqlAuditLog } from '../store/audit-repo.js';
import { EventBus } from './bus.js';

/** The event bus, each event appended to the audit log and logged. */
export function auditedEvents(store: Store, log: Logger): { events: EventBus; audit: SqlAuditLog } {
  const events = new EventBus(log);
  const audit = new SqlAuditLog(store.db);
  events.subscribe((event) => audit.append(event));
  events.subscribe((event) => log.info({ event: event.type, subject: event.subjectId ?? undefined, ip: event.ip ?? undefined }, 'audit'));
  return { events, audit };
}
