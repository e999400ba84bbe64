import type { Logger } from 'pino';

/** Something that happened in the domain; audit logging and metrics subscribe to these. */
export interface DomainEvent {
  type: string;
  /** Who did it (an account id), when known. */
  actorId?: string | null;
  /** Whom it concerns (an account id or client id). */
  subjectId?: string | null;
  ip?: string | null;
  /** Extra facts; never secrets, passwords or answers. */
  data?: Record<string, unknown>;
}

type Handler = (event: DomainEvent & { at: number }) => Promise<void> | void;

export class EventBus {
  private readonly handlers: Handler[] = [];

  constructor(private readonly log: Logger) {}

  subscribe(handler: Handler): void {
    this.handlers.push(handler);
  }

  /** Waits for every subscriber so that an audited action is recorded before the response leaves. */
  async emit(event: DomainEvent): Promise<void> {
    const stamped = { ...event, at: Date.now() };
    await Promise.all(
      this.handlers.map(async (handler) => {
        try {
          await handler(stamped);
        } catch (error) {
          this.log.error({ err: error, event: event.type }, 'event subscriber failed');
        }
      }),
    );
  }
}
