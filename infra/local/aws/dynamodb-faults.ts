import { randomUUID } from 'node:crypto';
import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalFaults } from './faults.ts';

/**
 * A proxy in front of DynamoDB Local (Amazon's own jar, which cannot be told to fail): every call
 * is forwarded unchanged unless a `dynamodb` fault is armed for its operation, in which case the
 * proxy answers as DynamoDB does, with the same status, `__type` and body, so the SDK in product
 * code raises its own typed exception and applies its own retry policy to it. The call is not
 * forwarded: DynamoDB writes nothing when it throttles, cancels a transaction or fails internally
 * before the commit, and that is the case these faults stand for.
 */
export interface DynamoDbFaultProxy {
  url: string;
  close(): Promise<void>;
}

const PREFIX = 'com.amazonaws.dynamodb.v20120810#';

/** The error shapes DynamoDB answers, as its JSON 1.0 protocol carries them. */
const SHAPES: Record<string, { status: number; type: string; message: string }> = {
  ThrottlingException: {
    status: 400,
    type: 'com.amazon.coral.availability#ThrottlingException',
    message: 'Throughput exceeds the current capacity for one or more global secondary indexes.',
  },
  ProvisionedThroughputExceededException: {
    status: 400,
    type: `${PREFIX}ProvisionedThroughputExceededException`,
    message:
      'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  },
  InternalServerError: {
    status: 500,
    type: `${PREFIX}InternalServerError`,
    message: 'Internal server error',
  },
};

const TRANSACTIONS = new Set(['TransactWriteItems', 'TransactGetItems']);

export async function startDynamoDbFaultProxy(options: {
  host: string;
  /** DynamoDB Local's endpoint. */
  upstream: string;
  faults: LocalFaults;
}): Promise<DynamoDbFaultProxy> {
  const upstream = new URL(options.upstream);
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req, res) => {
    handle(req, res, upstream, agent, options.faults).catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: async () => {
      await closeServer(server);
      agent.destroy();
    },
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  upstream: URL,
  agent: Agent,
  faults: LocalFaults,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  // X-Amz-Target: DynamoDB_20120810.TransactWriteItems
  const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1];
  const fault = operation
    ? faults.take(
        'dynamodb',
        operation,
        (error) => error !== 'TransactionCanceledException' || TRANSACTIONS.has(operation),
      )
    : undefined;
  if (fault) {
    answerFault(res, fault.error, body);
    return;
  }
  const forwarded = await new Promise<IncomingMessage>((resolve, reject) => {
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host, 'content-length': String(body.length) },
        agent,
      },
      resolve,
    );
    forward.once('error', reject);
    forward.end(body);
  });
  res.writeHead(forwarded.statusCode ?? 502, forwarded.headers);
  for await (const chunk of forwarded) res.write(chunk);
  res.end();
}

function answerFault(res: ServerResponse, error: string, requestBody: Buffer): void {
  let status: number;
  let payload: Record<string, unknown>;
  if (error === 'TransactionCanceledException') {
    // One reason per item, as DynamoDB gives them: the conflict on the first, None on the others.
    const items = transactItems(requestBody);
    const reasons = Array.from({ length: Math.max(1, items) }, (_, i) =>
      i === 0
        ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }
        : { Code: 'None' },
    );
    status = 400;
    payload = {
      __type: `${PREFIX}TransactionCanceledException`,
      Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
      CancellationReasons: reasons,
    };
  } else {
    const shape = SHAPES[error]!;
    status = shape.status;
    payload = { __type: shape.type, message: shape.message };
  }
  const text = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': String(Buffer.byteLength(text)),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

function transactItems(body: Buffer): number {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { TransactItems?: unknown[] };
    return Array.isArray(parsed.TransactItems) ? parsed.TransactItems.length : 1;
  } catch {
    return 1;
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
