import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { readEnv, required } from '../config.ts';

const env = readEnv({ EVENT_BUS_NAME: required() });
const client = new EventBridgeClient({});

export interface BusEvent {
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  time?: Date;
}

/**
 * Puts events on the domain bus, ten per call, retrying the entries EventBridge reports as failed.
 * Throws if some still fail, so the caller's batch (a stream batch) is redelivered.
 */
export async function putEvents(events: BusEvent[]): Promise<void> {
  for (let start = 0; start < events.length; start += 10) {
    let pending: PutEventsRequestEntry[] = events.slice(start, start + 10).map((e) => ({
      EventBusName: env.EVENT_BUS_NAME,
      Source: e.source,
      DetailType: e.detailType,
      Detail: JSON.stringify(e.detail),
      Time: e.time,
    }));
    for (let attempt = 0; pending.length && attempt < 4; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      const result = await client.send(new PutEventsCommand({ Entries: pending }));
      pending = pending.filter((_, i) => result.Entries?.[i]?.ErrorCode);
    }
    if (pending.length) throw new Error(`EventBridge refused ${pending.length} events after retries.`);
  }
}
