import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Clock, Invoke } from './types.ts';

/**
 * A CloudWatch Logs subscription filter in miniature: lines written to a log group are delivered
 * to one function in batches, gzipped and base64-encoded as `{ awslogs: { data } }`, the shape
 * Lambda receives from a real subscription. The local gateway writes its access log here, as API
 * Gateway writes to the access log group in AWS. A batch goes out every `intervalMs` and whenever
 * the runtime settles; a batch that fails is retried (Lambda's asynchronous retries) and then
 * dropped with a warning, as a subscription's delivery would be.
 */
export interface LogSubscriptionOptions {
  logGroup: string;
  filterName: string;
  consumer: string;
  invoke: Invoke;
  clock: Clock;
  intervalMs?: number;
}

interface LogEvent {
  id: string;
  timestamp: number;
  message: string;
}

export class LocalLogSubscription {
  private pending: LogEvent[] = [];
  private inFlight: Promise<void> = Promise.resolve();
  private readonly stream = `local/${randomUUID()}`;
  private sequence = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: LogSubscriptionOptions) {
    this.timer = setInterval(() => void this.flush(), options.intervalMs ?? 5000);
    this.timer.unref();
  }

  write(message: Record<string, unknown>): void {
    const timestamp = this.options.clock.now().getTime();
    // Ids are unique per line, as CloudWatch's are: the consumer keys its writes on them.
    const id = `${this.stream}/${String(++this.sequence).padStart(12, '0')}`;
    this.pending.push({ id, timestamp, message: JSON.stringify(message) });
  }

  /** Delivers what was written so far as one batch, after any batch still being delivered. */
  flush(): Promise<void> {
    const logEvents = this.pending;
    this.pending = [];
    if (logEvents.length === 0) return this.inFlight;
    const data = gzipSync(
      JSON.stringify({
        messageType: 'DATA_MESSAGE',
        owner: '000000000000',
        logGroup: this.options.logGroup,
        logStream: this.stream,
        subscriptionFilters: [this.options.filterName],
        logEvents,
      }),
    ).toString('base64');
    this.inFlight = this.inFlight.then(() => this.deliver({ awslogs: { data } }));
    return this.inFlight;
  }

  private async deliver(event: unknown): Promise<void> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await this.options.invoke(this.options.consumer, event);
        return;
      } catch (error) {
        if (attempt === 3)
          console.warn(`${this.options.filterName}: a batch of the access log was dropped:`, error);
      }
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}
