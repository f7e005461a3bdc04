import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CreateScheduleInput } from '@aws-sdk/client-scheduler';
import type { LocalAthena } from './athena.ts';
import type { LocalCognito } from './cognito.ts';
import { AwsServiceError, InvalidParameterValue, ValidationException } from './errors.ts';
import type { LocalEventBus, PutEventsEntry } from './event-bus.ts';
import type { LocalFirehose } from './firehose.ts';
import {
  type LocalQueues,
  MAX_MESSAGE_BYTES,
  type MessageAttributeValue,
  md5,
  md5OfMessageAttributes,
  type OutgoingMessage,
} from './queues.ts';
import type { LocalScheduler } from './scheduler.ts';

/**
 * One HTTP endpoint that speaks the wire protocols of the services product code calls through
 * the AWS SDK (AWS_ENDPOINT_URL_EVENTBRIDGE, _SCHEDULER, _SQS, _FIREHOSE and _ATHENA point here):
 * - EventBridge PutEvents, AWS JSON 1.1 (`x-amz-target: AWSEvents.PutEvents`);
 * - Firehose PutRecord and PutRecordBatch, AWS JSON 1.1 (`Firehose_20150804.*`);
 * - Athena StartQueryExecution, GetQueryExecution, GetQueryResults, StopQueryExecution, AWS JSON
 *   1.1 (`AmazonAthena.*`);
 * - SQS SendMessage, SendMessageBatch and GetQueueUrl, AWS JSON 1.0 (`x-amz-target: AmazonSQS.*`),
 *   with the MD5 digests the SDK verifies and SQS's query-compatible error codes;
 * - Scheduler's REST-JSON API: POST/PUT/GET/DELETE /schedules/{Name}, GET /schedules;
 * - Cognito Identity Provider, AWS JSON 1.1 (`AWSCognitoIdentityProviderService.*`, cognito.ts),
 *   and the user pool's signing keys at `/<pool id>/.well-known/jwks.json`.
 * Errors carry `x-amzn-errortype` and a JSON body, with the status codes AWS uses, so the SDK
 * raises the same exception classes it raises against AWS.
 */
export interface LocalAwsEndpoint {
  url: string;
  close(): Promise<void>;
}

export interface LocalAwsEndpointOptions {
  host: string;
  port: number;
  bus: LocalEventBus;
  queues: LocalQueues;
  scheduler: LocalScheduler;
  firehose?: LocalFirehose;
  athena?: LocalAthena;
  cognito?: LocalCognito;
}

const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
const COGNITO_TARGET = 'AWSCognitoIdentityProviderService.';
const JWKS_PATH = '/.well-known/jwks.json';

type Protocol = 'json1.0' | 'json1.1' | 'rest-json';

class UnknownOperation extends AwsServiceError {
  constructor(what: string) {
    super('UnknownOperationException', `The local AWS endpoint does not implement ${what}.`, 400);
  }
}

class BadRequestBody extends AwsServiceError {
  constructor(message: string) {
    super('SerializationException', message, 400);
  }
}

export async function startLocalAwsEndpoint(options: LocalAwsEndpointOptions): Promise<LocalAwsEndpoint> {
  const server = createServer((req, res) => {
    handle(req, res, options).catch((error) => {
      console.error('Local AWS endpoint failed to answer:', error);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: LocalAwsEndpointOptions,
): Promise<void> {
  const target = req.headers['x-amz-target'];
  const url = new URL(req.url ?? '/', 'http://localhost');
  const protocol: Protocol =
    typeof target === 'string' ? (target.startsWith('AmazonSQS.') ? 'json1.0' : 'json1.1') : 'rest-json';
  try {
    const body = await readBody(req);
    if (typeof target === 'string') {
      const input = parseJson(body) as Record<string, unknown>;
      if (target === 'AWSEvents.PutEvents') return reply(res, protocol, 200, putEvents(options.bus, input));
      if (target.startsWith('AmazonSQS.'))
        return reply(res, protocol, 200, sqs(options.queues, target.slice('AmazonSQS.'.length), input));
      if (target.startsWith('Firehose_20150804.') && options.firehose)
        return reply(
          res,
          protocol,
          200,
          firehose(options.firehose, target.slice('Firehose_20150804.'.length), input),
        );
      if (target.startsWith('AmazonAthena.') && options.athena)
        return reply(res, protocol, 200, athena(options.athena, target.slice('AmazonAthena.'.length), input));
      if (options.cognito && target.startsWith(COGNITO_TARGET))
        return reply(
          res,
          protocol,
          200,
          await options.cognito.call(target.slice(COGNITO_TARGET.length), input),
        );
      throw new UnknownOperation(target);
    }
    if (
      options.cognito &&
      req.method === 'GET' &&
      url.pathname === `${new URL(options.cognito.issuer).pathname}${JWKS_PATH}`
    )
      return reply(res, 'rest-json', 200, await options.cognito.jwks());
    const [, resource, encodedName, ...rest] = url.pathname.split('/');
    if (resource !== 'schedules' || rest.length) throw new UnknownOperation(`${req.method} ${url.pathname}`);
    const name = encodedName === undefined ? undefined : decodeURIComponent(encodedName);
    return reply(res, protocol, 200, schedules(options.scheduler, req.method ?? 'GET', name, url, body));
  } catch (error) {
    if (error instanceof AwsServiceError) return replyError(res, protocol, error);
    console.error('Local AWS endpoint:', error);
    const internal =
      protocol === 'rest-json'
        ? new AwsServiceError('InternalServerException', 'Unexpected error.', 500)
        : new AwsServiceError('InternalFailure', 'Unexpected error.', 500);
    return replyError(res, protocol, internal);
  }
}

function putEvents(bus: LocalEventBus, input: Record<string, unknown>) {
  const entries = input.Entries;
  if (!Array.isArray(entries) || entries.length === 0)
    throw new ValidationException(
      "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must not be null and must have length greater than or equal to 1",
    );
  if (entries.length > 10)
    throw new ValidationException(
      `1 validation error detected: Value '[...]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10`,
    );
  const results = bus.putEvents(
    entries.map(
      (entry: Record<string, unknown>): PutEventsEntry => ({
        ...(entry as PutEventsEntry),
        // The SDK sends Time as epoch seconds.
        ...(typeof entry.Time === 'number' ? { Time: new Date(entry.Time * 1000) } : {}),
      }),
    ),
  );
  return { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results };
}

function firehose(stream: LocalFirehose, operation: string, input: Record<string, unknown>) {
  const name = String(input.DeliveryStreamName ?? '');
  const data = (record: unknown) => Buffer.from(String((record as { Data?: unknown })?.Data ?? ''), 'base64');
  switch (operation) {
    case 'PutRecord': {
      const [result] = stream.putRecords(name, [data(input.Record)]);
      if (result?.ErrorCode) throw new AwsServiceError(result.ErrorCode, result.ErrorMessage ?? '', 400);
      return { RecordId: result!.RecordId, Encrypted: false };
    }
    case 'PutRecordBatch': {
      const records = Array.isArray(input.Records) ? input.Records : [];
      const results = stream.putRecords(name, records.map(data));
      return {
        FailedPutCount: results.filter((r) => r.ErrorCode).length,
        Encrypted: false,
        RequestResponses: results,
      };
    }
    default:
      throw new UnknownOperation(`Firehose ${operation}`);
  }
}

function athena(engine: LocalAthena, operation: string, input: Record<string, unknown>) {
  switch (operation) {
    case 'StartQueryExecution':
      return engine.startQueryExecution(input);
    case 'GetQueryExecution':
      return engine.getQueryExecution(input);
    case 'GetQueryResults':
      return engine.getQueryResults(input);
    case 'StopQueryExecution':
      return engine.stopQueryExecution(input);
    default:
      throw new UnknownOperation(`Athena ${operation}`);
  }
}

const sqsError = (code: string, message: string) =>
  new AwsServiceError(code, message, 400, `AWS.SimpleQueueService.${code}`);

function sqs(queues: LocalQueues, operation: string, input: Record<string, unknown>) {
  switch (operation) {
    case 'GetQueueUrl': {
      const name = String(input.QueueName ?? '');
      queues.resolve(name);
      return { QueueUrl: queues.queueUrl(name) };
    }
    case 'SendMessage': {
      const queue = String(input.QueueUrl ?? '');
      queues.resolve(queue);
      const message = outgoing(input);
      const [MessageId] = queues.send(queue, [message]);
      return sent(message, { MessageId });
    }
    case 'SendMessageBatch': {
      const queue = String(input.QueueUrl ?? '');
      queues.resolve(queue);
      const entries = Array.isArray(input.Entries) ? (input.Entries as Array<Record<string, unknown>>) : [];
      if (entries.length === 0)
        throw sqsError(
          'EmptyBatchRequest',
          'There should be at least one SendMessageBatchRequestEntry in the request.',
        );
      if (entries.length > 10)
        throw sqsError(
          'TooManyEntriesInBatchRequest',
          `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
        );
      const ids = entries.map((e) => String(e.Id ?? ''));
      const invalid = ids.find((id) => !/^[A-Za-z0-9_-]{1,80}$/.test(id));
      if (invalid !== undefined)
        throw sqsError(
          'InvalidBatchEntryId',
          `A batch entry id can only contain alphanumeric characters, hyphens and underscores: ${invalid}`,
        );
      if (new Set(ids).size !== ids.length)
        throw sqsError(
          'BatchEntryIdsNotDistinct',
          'Two or more batch entries in the request have the same Id.',
        );
      const total = entries.reduce((sum, e) => sum + Buffer.byteLength(String(e.MessageBody ?? '')), 0);
      if (total > MAX_MESSAGE_BYTES)
        throw sqsError(
          'BatchRequestTooLong',
          `Batch requests cannot be longer than ${MAX_MESSAGE_BYTES} bytes.`,
        );
      const Successful: unknown[] = [];
      const Failed: unknown[] = [];
      for (const entry of entries) {
        try {
          const message = outgoing(entry);
          const [MessageId] = queues.send(queue, [message]);
          Successful.push(sent(message, { Id: entry.Id, MessageId }));
        } catch (error) {
          if (!(error instanceof InvalidParameterValue)) throw error;
          Failed.push({ Id: entry.Id, SenderFault: true, Code: error.code, Message: error.message });
        }
      }
      return { Successful, Failed };
    }
    default:
      throw new AwsServiceError(
        'UnsupportedOperation',
        `The local SQS implements SendMessage, SendMessageBatch and GetQueueUrl, not ${operation}.`,
        400,
        'AWS.SimpleQueueService.UnsupportedOperation',
      );
  }
}

function outgoing(input: Record<string, unknown>): OutgoingMessage {
  const attributes = input.MessageAttributes as Record<string, MessageAttributeValue> | undefined;
  return {
    body: typeof input.MessageBody === 'string' ? input.MessageBody : '',
    ...(input.DelaySeconds !== undefined ? { delaySeconds: Number(input.DelaySeconds) } : {}),
    ...(attributes && Object.keys(attributes).length ? { attributes } : {}),
  };
}

function sent(message: OutgoingMessage, ids: Record<string, unknown>) {
  return {
    ...ids,
    MD5OfMessageBody: md5(message.body),
    ...(message.attributes ? { MD5OfMessageAttributes: md5OfMessageAttributes(message.attributes) } : {}),
  };
}

function schedules(
  scheduler: LocalScheduler,
  method: string,
  name: string | undefined,
  url: URL,
  body: string,
) {
  const query = (key: string) => url.searchParams.get(key) ?? undefined;
  if (name === undefined || name === '') {
    if (method !== 'GET') throw new UnknownOperation(`${method} /schedules`);
    const maxResults = query('MaxResults');
    return scheduler.listSchedules({
      GroupName: query('ScheduleGroup'),
      NamePrefix: query('NamePrefix'),
      State: query('State') as 'ENABLED' | 'DISABLED' | undefined,
      NextToken: query('NextToken'),
      ...(maxResults ? { MaxResults: Number(maxResults) } : {}),
    });
  }
  switch (method) {
    case 'GET':
      return scheduler.getSchedule({ Name: name, GroupName: query('groupName') });
    case 'DELETE':
      return scheduler.deleteSchedule({ Name: name, GroupName: query('groupName') });
    case 'POST':
    case 'PUT': {
      const input = parseJson(body || '{}') as Record<string, unknown>;
      // Shape and required fields are the scheduler's to check, as Scheduler's own validation does.
      const request = {
        ...input,
        Name: name,
        ...(typeof input.StartDate === 'number' ? { StartDate: new Date(input.StartDate * 1000) } : {}),
        ...(typeof input.EndDate === 'number' ? { EndDate: new Date(input.EndDate * 1000) } : {}),
      } as CreateScheduleInput;
      return method === 'POST' ? scheduler.createSchedule(request) : scheduler.updateSchedule(request);
    }
    default:
      throw new UnknownOperation(`${method} /schedules/${name}`);
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new BadRequestBody('The request is too large.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    const value = JSON.parse(text || '{}');
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value;
  } catch {
    throw new BadRequestBody('The request body is not a JSON object.');
  }
}

const CONTENT_TYPES: Record<Protocol, string> = {
  'json1.0': 'application/x-amz-json-1.0',
  'json1.1': 'application/x-amz-json-1.1',
  'rest-json': 'application/json',
};

/** Timestamps travel as epoch seconds in all three protocols. */
function serialize(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, replaced) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : replaced;
  });
}

function reply(res: ServerResponse, protocol: Protocol, status: number, value: unknown): void {
  const body = serialize(value);
  res.writeHead(status, {
    'content-type': CONTENT_TYPES[protocol],
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(body);
}

function replyError(res: ServerResponse, protocol: Protocol, error: AwsServiceError): void {
  const body =
    protocol === 'rest-json'
      ? { Message: error.message, message: error.message }
      : {
          __type: protocol === 'json1.0' ? `com.amazonaws.sqs#${error.code}` : error.code,
          message: error.message,
        };
  const text = JSON.stringify(body);
  res.writeHead(error.statusCode, {
    'content-type': CONTENT_TYPES[protocol],
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    'x-amzn-errortype': error.code,
    ...(protocol === 'json1.0' && error.queryCode
      ? { 'x-amzn-query-error': `${error.queryCode};${error.fault}` }
      : {}),
  });
  res.end(text);
}
