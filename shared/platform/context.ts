import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Role } from './auth.ts';
import { type Clock, systemClock } from './clock.ts';
import { correlationId } from './correlation.ts';
import { db, dbFor } from './db/client.ts';
import type { ItemKey, TenantId } from './db/keys.ts';
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
  /** The user action this work is part of (shared/platform/correlation.ts); events carry it on. */
  readonly correlationId?: string;
  /** What the request's references to other records came to (platform/references.ts). */
  readonly references?: CheckedReferences;
}

export interface CheckedReferences {
  /** Referenced records that do not exist: no unit of work of the request may commit (422). */
  missing: ReadonlyArray<{ path: string; message: string }>;
  /** Referenced records that could vanish before the write: each commit checks they still exist. */
  guards: ReadonlyArray<{ key: ItemKey; path: string; message: string }>;
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
  const correlation = correlationId();
  return {
    tenantId: options.tenantId,
    actor: options.actor,
    clock: options.clock ?? systemClock,
    db: options.fenced ? dbFor(options.tenantId) : db,
    logger: withKeys({
      tenantId: options.tenantId,
      requestId: options.requestId,
      correlationId: correlation,
    }),
    requestId: options.requestId,
    ...(correlation ? { correlationId: correlation } : {}),
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
