import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Role } from './auth.ts';
import { type Clock, systemClock } from './clock.ts';
import { db, dbFor } from './db/client.ts';
import type { TenantId } from './db/keys.ts';
import { type AppLogger, withKeys } from './logger.ts';

/** Who made a change: recorded in change history, audit entries and events. */
export type Actor =
  | { type: 'member'; memberId: string; role: Role; keyId?: string }
  | { type: 'contact'; contactId: string }
  | { type: 'import'; importId: string }
  | { type: 'automation'; ruleId: string }
  | { type: 'system'; process: string }
  | { type: 'public' };

/** Everything a service needs to act for one tenant; passed explicitly, never global. */
export interface TenantContext {
  readonly tenantId: TenantId;
  readonly actor: Actor;
  readonly clock: Clock;
  readonly db: DynamoDBDocumentClient;
  readonly logger: AppLogger;
  readonly requestId?: string;
}

export interface ContextOptions {
  tenantId: TenantId;
  actor: Actor;
  clock?: Clock;
  requestId?: string;
  /** Request handlers act under the tenant-fenced client; jobs and consumers use their own. */
  fenced?: boolean;
}

export function tenantContext(options: ContextOptions): TenantContext {
  return {
    tenantId: options.tenantId,
    actor: options.actor,
    clock: options.clock ?? systemClock,
    db: options.fenced ? dbFor(options.tenantId) : db,
    logger: withKeys({ tenantId: options.tenantId, requestId: options.requestId }),
    requestId: options.requestId,
  };
}

export function describeActor(actor: Actor): string {
  switch (actor.type) {
    case 'member':
      return actor.keyId ? `member ${actor.memberId} (key ${actor.keyId})` : `member ${actor.memberId}`;
    case 'contact':
      return `contact ${actor.contactId}`;
    case 'import':
      return `import ${actor.importId}`;
    case 'automation':
      return `automation rule ${actor.ruleId}`;
    case 'system':
      return actor.process;
    case 'public':
      return 'public sign-up';
  }
}
