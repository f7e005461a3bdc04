import type { HistoryRow } from './history.ts';

/**
 * The cost model of docs/performance.md (issue 21, item 8): what a tenant costs on AWS a month,
 * computed from what the harness measured (capacity units per operation, function durations) and
 * recorded in bench/history.jsonl, priced at list prices. `npm run bench:docs` writes it; the
 * freshness test of test/unit/bench/history.test.ts fails when the document and this file or the
 * history disagree. Pure: no I/O.
 */

/**
 * On-demand list prices, us-east-1, in USD, as AWS published them on the date below (the pricing
 * pages of each service). Free tiers are left out: a tenant's cost must not depend on how many
 * others share the account's free tier.
 */
export const PRICES = {
  asOf: '2025-06-01',
  region: 'us-east-1',
  /** DynamoDB on-demand (since the November 2024 reduction), per million request units. */
  dynamodbWritePerMillion: 0.625,
  dynamodbReadPerMillion: 0.125,
  /** DynamoDB storage, per GB-month (Standard table class). */
  dynamodbStorageGbMonth: 0.25,
  /** Point-in-time recovery, per GB-month (the stack enables it). */
  dynamodbPitrGbMonth: 0.2,
  /** Lambda on Arm (the stack's architecture), per GB-second and per million requests. */
  lambdaArmGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  /** API Gateway HTTP API, per million requests (first 300 million). */
  httpApiPerMillion: 1.0,
  /** CloudFront HTTPS requests, per 10,000 (North America). */
  cloudFrontPer10kRequests: 0.01,
  /** AWS WAF, per million requests inspected. */
  wafPerMillion: 0.6,
  /** EventBridge custom events, per million (64 KB chunks). */
  eventBridgePerMillion: 1.0,
  /** SQS standard queues, per million requests (64 KB chunks). */
  sqsPerMillion: 0.4,
  /** SES outbound email, per 1,000 emails. */
  sesPer1000: 0.1,
} as const;

/** The typical tenant. */
export interface Tenant {
  members: number;
  contacts: number;
  emailsPerMonth: number;
  apiCallsPerDay: number;
}

export const TYPICAL: Tenant = {
  members: 5,
  contacts: 10_000,
  emailsPerMonth: 20_000,
  apiCallsPerDay: 2_000,
};

/**
 * Every figure the model uses: the metric the harness records it as, and what the model assumes
 * while no recorded run measured it (the document says which is which).
 */
export const INPUTS = {
  readRcu: {
    metric: 'capacity.getContact.rcu',
    assumed: 0.5,
    what: 'RCU of a record read (GET /v1/contacts/{id})',
  },
  listRcu: { metric: 'capacity.listByTag.rcu', assumed: 3, what: 'RCU of a page of 25 (contacts by tag)' },
  createWcu: {
    metric: 'capacity.createContact.totalWcu',
    assumed: 6,
    what: 'WCU of a create, background work included (POST /v1/contacts)',
  },
  updateWcu: {
    metric: 'capacity.updateContact.totalWcu',
    assumed: 6,
    what: 'WCU of an update, background work included (PATCH /v1/contacts/{id})',
  },
  authorizerRcu: {
    metric: 'capacity.authorizer.rcu',
    assumed: 1,
    what: 'RCU of the authorizer on a cache miss',
  },
  apiMs: {
    metric: 'invocations.contacts-api.p50Ms',
    assumed: 25,
    what: 'duration of an API function, ms (p50)',
  },
  authorizerMs: {
    metric: 'invocations.authorizer.p50Ms',
    assumed: 10,
    what: 'duration of the authorizer, ms (p50)',
  },
  consumerMs: {
    metric: 'invocations.publish-events.p50Ms',
    assumed: 15,
    what: 'duration of a stream or event consumer, ms (p50)',
  },
  senderMs: {
    metric: 'invocations.mailing-sender.p50Ms',
    assumed: 40,
    what: 'duration of a send batch (mailing-sender), ms (p50)',
  },
} as const;

export type InputName = keyof typeof INPUTS;

/**
 * What the design fixes (functions/app and docs/data-model.md), not measured: how many messages,
 * events and invocations an action makes, and how requests split between operations.
 */
export const DESIGN = {
  /** Share of API calls by kind (a CRM is read mostly). */
  mix: { read: 0.6, list: 0.2, update: 0.15, create: 0.05 },
  /** The authorizer's answer is cached 60 s per key: with 5 members' keys spread over a working day, about half the calls miss. */
  authorizerMissShare: 0.5,
  /** Functions of a write's background: the stream's consumers (publish-events, write-derived, contact indexes) and the bus's rules for its event. */
  invocationsPerWrite: 4,
  /** The outbox event of a write, put on the bus once. */
  eventsPerWrite: 1,
  /** Per email: SES events (send, delivery, open or bounce) through the default bus to the project's, and the send queue's messages. */
  eventsPerEmail: 4,
  /**
   * Per email: its share of the send queue's messages, and each SES event the rules put on the
   * feedback and metering queues (Send twice, Delivery once), taken off them in batches of 100.
   */
  sqsRequestsPerEmail: 3.3,
  /** Send batches: one sender invocation per 50 emails. */
  emailsPerSenderInvocation: 50,
  /** Per email, the send record's claim and result and the shard's counter (transactions: 2 WCU per item), and the feedback's updates. */
  wcuPerEmail: 10,
  /** Item bytes per contact with its index items, history and timeline entries (DynamoDB counts 100 bytes of overhead per item). */
  bytesPerContact: 4_000,
  /** Send records are kept (for statistics and the contact's history): bytes per email. */
  bytesPerEmail: 400,
  /** Memory of the API functions and consumers, MB (functions/app: 512 unless stated; the authorizer 256). */
  apiMemoryMb: 512,
  authorizerMemoryMb: 256,
  consumerMemoryMb: 512,
  senderMemoryMb: 512,
  /** Hours of requests a working day is spread over. */
  workingSecondsPerDay: 8 * 3600,
  daysPerMonth: 30,
};

export interface Input {
  value: number;
  /** When recorded, the run that measured it. */
  measured?: { at: string; commit: string };
}

/** The latest recorded value of every input, or its assumption. */
export function inputsFrom(history: readonly HistoryRow[]): Record<InputName, Input> {
  const result = {} as Record<InputName, Input>;
  for (const [name, spec] of Object.entries(INPUTS) as Array<[InputName, (typeof INPUTS)[InputName]]>) {
    const row = [...history].reverse().find((r) => r.values[spec.metric] !== undefined);
    result[name] = row
      ? { value: row.values[spec.metric]!, measured: { at: row.at, commit: row.commit } }
      : { value: spec.assumed };
  }
  return result;
}

export interface Line {
  service: string;
  what: string;
  usd: number;
}

const lambdaUsd = (invocations: number, ms: number, memoryMb: number) =>
  invocations *
  ((ms / 1000) * (memoryMb / 1024) * PRICES.lambdaArmGbSecond + PRICES.lambdaPerMillionRequests / 1e6);

/** A tenant's monthly cost, line by line. */
export function monthlyCost(tenant: Tenant, inputs: Record<InputName, Input>): Line[] {
  const v = (name: InputName) => inputs[name].value;
  const calls = tenant.apiCallsPerDay * DESIGN.daysPerMonth;
  const { mix } = DESIGN;
  const writes = calls * (mix.create + mix.update);
  const emails = tenant.emailsPerMonth;
  const rcu =
    calls * (mix.read * v('readRcu') + mix.list * v('listRcu')) +
    calls * DESIGN.authorizerMissShare * v('authorizerRcu');
  const wcu = calls * (mix.create * v('createWcu') + mix.update * v('updateWcu'));
  const storageGb = (tenant.contacts * DESIGN.bytesPerContact + emails * 12 * DESIGN.bytesPerEmail) / 1e9;
  return [
    {
      service: 'API Gateway (HTTP API)',
      what: `${fmt(calls)} requests`,
      usd: (calls * PRICES.httpApiPerMillion) / 1e6,
    },
    {
      service: 'CloudFront and WAF',
      what: `${fmt(calls)} requests`,
      usd: (calls * PRICES.cloudFrontPer10kRequests) / 1e4 + (calls * PRICES.wafPerMillion) / 1e6,
    },
    {
      service: 'Lambda, API',
      what: `${fmt(calls)} × ${v('apiMs').toFixed(0)} ms at ${DESIGN.apiMemoryMb} MB; authorizer on ${DESIGN.authorizerMissShare * 100}% of calls`,
      usd:
        lambdaUsd(calls, v('apiMs'), DESIGN.apiMemoryMb) +
        lambdaUsd(calls * DESIGN.authorizerMissShare, v('authorizerMs'), DESIGN.authorizerMemoryMb),
    },
    {
      service: 'Lambda, background',
      what: `${fmt(writes * DESIGN.invocationsPerWrite)} consumer runs, ${fmt(emails / DESIGN.emailsPerSenderInvocation)} send batches`,
      usd:
        lambdaUsd(writes * DESIGN.invocationsPerWrite, v('consumerMs'), DESIGN.consumerMemoryMb) +
        lambdaUsd(emails / DESIGN.emailsPerSenderInvocation, v('senderMs'), DESIGN.senderMemoryMb),
    },
    {
      service: 'DynamoDB reads',
      what: `${fmt(rcu)} RCU`,
      usd: (rcu * PRICES.dynamodbReadPerMillion) / 1e6,
    },
    {
      service: 'DynamoDB writes',
      what: `${fmt(wcu)} WCU by the API, ${fmt(emails * DESIGN.wcuPerEmail)} by sends`,
      usd: ((wcu + emails * DESIGN.wcuPerEmail) * PRICES.dynamodbWritePerMillion) / 1e6,
    },
    {
      service: 'DynamoDB storage and backups',
      what: `${storageGb.toFixed(2)} GB (a year of send records)`,
      usd: storageGb * (PRICES.dynamodbStorageGbMonth + PRICES.dynamodbPitrGbMonth),
    },
    {
      service: 'EventBridge and SQS',
      what: `${fmt(writes * DESIGN.eventsPerWrite + emails * DESIGN.eventsPerEmail)} events, ${fmt(emails * DESIGN.sqsRequestsPerEmail)} queue requests`,
      usd:
        ((writes * DESIGN.eventsPerWrite + emails * DESIGN.eventsPerEmail) * PRICES.eventBridgePerMillion) /
          1e6 +
        (emails * DESIGN.sqsRequestsPerEmail * PRICES.sqsPerMillion) / 1e6,
    },
    { service: 'SES', what: `${fmt(emails)} emails`, usd: (emails * PRICES.sesPer1000) / 1000 },
  ];
}

export const total = (lines: readonly Line[]) => lines.reduce((sum, l) => sum + l.usd, 0);

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

const usd = (n: number) => (n < 0.01 ? '< $0.01' : `$${n.toFixed(2)}`);

/** How far one tenant goes on the design as it is: the per-partition limits against its hot keys. */
export const LIMITS = {
  partitionWcu: 1000,
  partitionRcu: 3000,
};

const MARK = {
  start:
    '<!-- bench:cost:start (generated by `npm run bench:docs` from bench/history.jsonl and bench/cost.ts) -->',
  end: '<!-- bench:cost:end -->',
};

export function renderCost(history: readonly HistoryRow[]): string {
  const inputs = inputsFrom(history);
  const lines = monthlyCost(TYPICAL, inputs);
  const base = total(lines);
  const out: string[] = [MARK.start, ''];
  out.push(
    `A typical tenant: ${TYPICAL.members} members, ${fmt(TYPICAL.contacts)} contacts, ${fmt(TYPICAL.emailsPerMonth)} emails a month, ${fmt(TYPICAL.apiCallsPerDay)} API calls a day. On-demand list prices of ${PRICES.region} as published on ${PRICES.asOf}, free tiers left out.`,
    '',
    '| Service | Usage a month | Cost a month |',
    '| --- | --- | --- |',
    ...lines.map((l) => `| ${l.service} | ${l.what} | ${usd(l.usd)} |`),
    `| **Total** | | **${usd(base)}** |`,
    '',
    'The figures it is computed from:',
    '',
    '| Input | Value | Source |',
    '| --- | --- | --- |',
    ...(Object.entries(INPUTS) as Array<[InputName, (typeof INPUTS)[InputName]]>).map(([name, spec]) => {
      const input = inputs[name];
      const source = input.measured
        ? `measured: \`${spec.metric}\`, run of ${input.measured.at.slice(0, 10)} (${input.measured.commit})`
        : `assumed (\`${spec.metric}\` not recorded yet)`;
      return `| ${spec.what} | ${Number.isInteger(input.value) ? input.value : input.value.toFixed(2)} | ${source} |`;
    }),
    '',
    'How it grows: each figure times ten, the others as above.',
    '',
    '| Tenant | Cost a month | × the typical tenant |',
    '| --- | --- | --- |',
  );
  const variants: Array<[string, Tenant]> = [
    ['typical', TYPICAL],
    [`${fmt(TYPICAL.contacts * 10)} contacts`, { ...TYPICAL, contacts: TYPICAL.contacts * 10 }],
    [
      `${fmt(TYPICAL.emailsPerMonth * 10)} emails a month`,
      { ...TYPICAL, emailsPerMonth: TYPICAL.emailsPerMonth * 10 },
    ],
    [
      `${fmt(TYPICAL.apiCallsPerDay * 10)} API calls a day`,
      { ...TYPICAL, apiCallsPerDay: TYPICAL.apiCallsPerDay * 10 },
    ],
    [
      'all three',
      {
        ...TYPICAL,
        contacts: TYPICAL.contacts * 10,
        emailsPerMonth: TYPICAL.emailsPerMonth * 10,
        apiCallsPerDay: TYPICAL.apiCallsPerDay * 10,
      },
    ],
  ];
  for (const [label, tenant] of variants) {
    const cost = total(monthlyCost(tenant, inputs));
    out.push(`| ${label} | ${usd(cost)} | ${(cost / base).toFixed(1)}× |`);
  }
  const perCall =
    (total(monthlyCost({ ...TYPICAL, apiCallsPerDay: TYPICAL.apiCallsPerDay + 1000 }, inputs)) - base) /
    (1000 * DESIGN.daysPerMonth);
  const perEmail =
    (total(monthlyCost({ ...TYPICAL, emailsPerMonth: TYPICAL.emailsPerMonth + 1000 }, inputs)) - base) / 1000;
  const perContact =
    (total(monthlyCost({ ...TYPICAL, contacts: TYPICAL.contacts + 1000 }, inputs)) - base) / 1000;
  out.push(
    '',
    `At the margin: $${(perCall * 1e6).toFixed(0)} per million API calls, $${(perEmail * 1000).toFixed(2)} per thousand emails, $${(perContact * 1e6).toFixed(0)} per million contacts stored a month. Cost is linear in each: nothing in the design is paid per tenant or per hour but the deployment's fixed parts (WAF's web ACL and rules, about $10 a month, CloudWatch, the console's distribution), shared by every tenant.`,
    '',
    MARK.end,
  );
  return out.join('\n');
}

/** The document with its cost section replaced (or appended when it has none yet). */
export function withCost(document: string, section: string): string {
  const start = document.indexOf(MARK.start);
  const end = document.indexOf(MARK.end);
  if (start < 0 || end < 0) return `${document.trimEnd()}\n\n${section}\n`;
  return `${document.slice(0, start)}${section}${document.slice(end + MARK.end.length)}`;
}
