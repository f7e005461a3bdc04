import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../ports.ts';
import { startSesEmulator } from '../ses-emulator.ts';
import { LOCAL_ACCOUNT, LOCAL_REGION, type LocalEventBus, type PutEventsEntry } from './event-bus.ts';
import type { LocalFaults } from './faults.ts';
import { LocalSesIdentities } from './ses-identities.ts';

/**
 * The local SES: the `aws-ses-v2-local` emulator behind a proxy on the public port. Everything
 * (the SES v2 API, the mail viewer at `/`, `/store`, `/clear-store`) passes through unchanged.
 * The emulator publishes no sending events, so for a SendEmail that names the configuration set
 * the front publishes what SES publishes to EventBridge for it, on the default bus (the only bus
 * SES publishes to), after the response: per message an "Email Sent" event, and per recipient
 * - an ordinary address: "Email Delivered";
 * - bounce@simulator.amazonses.com: "Email Bounced" (Permanent, General);
 * - complaint@simulator.amazonses.com: "Email Delivered", then "Email Complaint Received" (abuse);
 * - ooto@simulator.amazonses.com: "Email Delivered" (the out-of-office reply goes to the sender);
 * - suppressionlist@simulator.amazonses.com: "Email Bounced" (Permanent, OnAccountSuppressionList).
 * Simulator addresses may carry a label (bounce+anything@...), as SES allows.
 *
 * The identity and tenant calls, and SES's refusal to send from an unverified identity, are
 * answered by ses-identities.ts in front of the emulator.
 */
export interface SesFront {
  url: string;
  /** The emulator itself, on an internal port. */
  emulatorUrl: string;
  /** Resolves once the events of every SendEmail answered so far are on the bus. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface SesFrontOptions {
  host: string;
  port: number;
  /** Where sending events go; without a bus (integration tests) none are published. */
  bus?: LocalEventBus;
  /** When SES "accepted" each mail (the runtime's clock). */
  clock?: { now(): Date };
  /** The configuration set whose event destination is EventBridge. */
  configurationSet: string;
  /** Identities verified from the start: the operator's own sender of service mail. */
  preverified?: string[];
  /** Where identities and SES tenants persist between runs; in memory without one. */
  stateFile?: string;
  /** `ses` faults: a call they name is answered with SES's error and does nothing. */
  faults?: LocalFaults;
}

interface SendEmailRequest {
  FromEmailAddress?: string;
  ReplyToAddresses?: string[];
  Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
  ConfigurationSetName?: string;
  EmailTags?: Array<{ Name: string; Value: string }>;
  Content?: {
    Simple?: { Subject?: { Data?: string }; Headers?: Array<{ Name: string; Value: string }> };
    Template?: { Headers?: Array<{ Name: string; Value: string }> };
  };
}

const SEND_EMAIL_PATH = '/v2/email/outbound-emails';

/** How SES v2 answers the errors a fault may inject (REST-JSON: the type in `x-amzn-errortype`). */
const SES_ERRORS: Record<string, { status: number; message: string }> = {
  TooManyRequestsException: { status: 429, message: 'Maximum sending rate exceeded.' },
  LimitExceededException: { status: 400, message: 'Daily message quota exceeded.' },
  SendingPausedException: { status: 400, message: 'Sending is paused for this account.' },
  InternalFailure: { status: 500, message: 'The request processing has failed because of an unknown error.' },
};

/** The SES v2 action of an API call, for faults that name one. */
function sesOperation(method: string, pathname: string): string | undefined {
  if (method === 'POST' && pathname === SEND_EMAIL_PATH) return 'SendEmail';
  if (method === 'POST' && pathname === '/v2/email/outbound-bulk-emails') return 'SendBulkEmail';
  if (method === 'GET' && pathname === '/v2/email/account') return 'GetAccount';
  if (pathname.startsWith('/v2/email/identities'))
    return { POST: 'CreateEmailIdentity', GET: 'GetEmailIdentity', DELETE: 'DeleteEmailIdentity' }[method];
  return undefined;
}

export async function startSesFront(options: SesFrontOptions): Promise<SesFront> {
  const internalPort = await freePort();
  const emulator = await startSesEmulator({ host: '127.0.0.1', port: internalPort });
  const agent = new Agent({ keepAlive: false });
  const publishing = new Set<Promise<void>>();
  let frontUrl = '';
  const identities = new LocalSesIdentities({
    url: () => frontUrl,
    preverified: options.preverified ?? [],
    ...(options.stateFile ? { stateFile: options.stateFile } : {}),
    mail: async (mail) => {
      const response = await fetch(`http://127.0.0.1:${internalPort}${SEND_EMAIL_PATH}`, {
        method: 'POST',
        // The emulator wants some credential, as SES does; it checks nothing more.
        headers: {
          'content-type': 'application/json',
          authorization: 'AWS4-HMAC-SHA256 Credential=local/ses',
        },
        body: JSON.stringify({
          FromEmailAddress: mail.from,
          Destination: { ToAddresses: [mail.to] },
          Content: { Simple: { Subject: { Data: mail.subject }, Body: { Text: { Data: mail.text } } } },
        }),
      });
      if (!response.ok) throw new Error(`The SES emulator refused a verification mail: ${response.status}`);
    },
  });
  const server = createServer((req, res) => {
    proxy(req, res, internalPort, agent, options, publishing, identities).catch((error) => {
      console.error('Local SES front failed to answer:', error);
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await closeServer(emulator);
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  frontUrl = `http://${host}:${port}`;
  return {
    url: frontUrl,
    emulatorUrl: `http://127.0.0.1:${internalPort}`,
    idle: async () => {
      await Promise.all(publishing);
    },
    close: async () => {
      await Promise.all([closeServer(server), closeServer(emulator)]);
      agent.destroy();
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

async function proxy(
  req: IncomingMessage,
  res: ServerResponse,
  internalPort: number,
  agent: Agent,
  options: SesFrontOptions,
  publishing: Set<Promise<void>>,
  identities: LocalSesIdentities,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let body: Buffer = Buffer.concat(chunks);
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = req.method ?? 'GET';
  const isSend = method === 'POST' && url.pathname === SEND_EMAIL_PATH;
  // Only the API can fail: the mail viewer and its store are the test's window, not SES.
  const fault = url.pathname.startsWith('/v2/')
    ? options.faults?.take('ses', sesOperation(method, url.pathname))
    : undefined;
  if (fault) {
    const shape = SES_ERRORS[fault.error]!;
    res.writeHead(shape.status, { 'content-type': 'application/json', 'x-amzn-errortype': fault.error });
    res.end(JSON.stringify({ message: shape.message }));
    return;
  }
  // Raw MIME is sent on as the simple content it carries, so the emulator's store and viewer keep
  // its headers (threading, Auto-Submitted) and attachments: its own raw handler drops the headers.
  if (isSend) body = await rawAsSimple(body);
  const local = isSend
    ? identities.refusal(parseJson(body) as { FromEmailAddress?: string; TenantName?: string })
    : await identities.answer(method, url.pathname, url.searchParams, body);
  if (local) {
    const text = typeof local.body === 'string' ? local.body : JSON.stringify(local.body);
    res.writeHead(local.status, {
      'content-type': typeof local.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
      ...(local.errorType ? { 'x-amzn-errortype': local.errorType } : {}),
    });
    res.end(text);
    return;
  }
  const upstream = await new Promise<IncomingMessage>((resolve, reject) => {
    const forward = request(
      {
        host: '127.0.0.1',
        port: internalPort,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: `127.0.0.1:${internalPort}`, 'content-length': String(body.length) },
        agent,
      },
      resolve,
    );
    forward.once('error', reject);
    forward.end(body);
  });
  const answer: Buffer[] = [];
  for await (const chunk of upstream) answer.push(chunk as Buffer);
  const answerBody = Buffer.concat(answer);
  const headers = { ...upstream.headers };
  delete headers['transfer-encoding'];
  headers['content-length'] = String(answerBody.length);
  const sentAt = options.clock?.now() ?? new Date();
  const bus = options.bus;
  const events =
    bus && isSend && upstream.statusCode === 200
      ? sendingEvents(body, answerBody, sentAt, options.configurationSet)
      : [];
  if (bus && events.length) {
    // After the response, as SES publishes after accepting the mail; 'close' covers a client that left.
    const published = new Promise<void>((resolve) => {
      res.once('close', () => {
        publish(bus, events);
        resolve();
      });
    });
    publishing.add(published);
    void published.then(() => publishing.delete(published));
  }
  res.writeHead(upstream.statusCode ?? 502, headers);
  res.end(answerBody);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return {};
  }
}

function publish(bus: LocalEventBus, events: PutEventsEntry[]): void {
  for (const result of bus.putEvents(events)) {
    if (result.ErrorCode) console.warn(`Local SES could not publish an event: ${result.ErrorMessage}`);
  }
}

/** The EventBridge entries SES would publish for one SendEmail, or none without the configuration set. */
export function sendingEvents(
  requestBody: Buffer,
  responseBody: Buffer,
  sentAt: Date,
  configurationSet: string,
): PutEventsEntry[] {
  let input: SendEmailRequest;
  let messageId: string | undefined;
  try {
    input = JSON.parse(requestBody.toString('utf8'));
    messageId = JSON.parse(responseBody.toString('utf8')).MessageId;
  } catch {
    return [];
  }
  if (!messageId || input.ConfigurationSetName !== configurationSet) return [];
  const to = input.Destination?.ToAddresses ?? [];
  const cc = input.Destination?.CcAddresses ?? [];
  const recipients = [...to, ...cc, ...(input.Destination?.BccAddresses ?? [])];
  if (recipients.length === 0) return [];
  const from = input.FromEmailAddress ?? '';
  const subject = input.Content?.Simple?.Subject?.Data;
  const fromDomain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? '';
  const customHeaders = input.Content?.Simple?.Headers ?? input.Content?.Template?.Headers ?? [];
  const tags: Record<string, string[]> = {
    'ses:configuration-set': [configurationSet],
    'ses:source-ip': ['127.0.0.1'],
    'ses:from-domain': [fromDomain],
    'ses:caller-identity': ['local'],
  };
  for (const tag of input.EmailTags ?? []) tags[tag.Name] = [tag.Value];
  const mail = {
    timestamp: sentAt.toISOString(),
    source: from,
    sourceArn: `arn:aws:ses:${LOCAL_REGION}:${LOCAL_ACCOUNT}:identity/${fromDomain}`,
    sendingAccountId: LOCAL_ACCOUNT,
    messageId,
    destination: recipients,
    headersTruncated: false,
    headers: [
      { name: 'From', value: from },
      ...(input.ReplyToAddresses?.length
        ? [{ name: 'Reply-To', value: input.ReplyToAddresses.join(', ') }]
        : []),
      ...(to.length ? [{ name: 'To', value: to.join(', ') }] : []),
      ...(cc.length ? [{ name: 'Cc', value: cc.join(', ') }] : []),
      ...(subject !== undefined ? [{ name: 'Subject', value: subject }] : []),
      { name: 'MIME-Version', value: '1.0' },
      { name: 'Content-Type', value: 'multipart/alternative' },
      ...customHeaders.map((h) => ({ name: h.Name, value: h.Value })),
    ],
    commonHeaders: {
      from: [from],
      ...(input.ReplyToAddresses?.length ? { replyTo: input.ReplyToAddresses } : {}),
      ...(to.length ? { to } : {}),
      ...(cc.length ? { cc } : {}),
      messageId,
      ...(subject !== undefined ? { subject } : {}),
    },
    tags,
  };
  const at = (offsetMs: number) => new Date(sentAt.getTime() + offsetMs).toISOString();
  const entry = (detailType: string, detail: Record<string, unknown>, offsetMs: number): PutEventsEntry => ({
    EventBusName: 'default',
    Source: 'aws.ses',
    DetailType: detailType,
    Detail: JSON.stringify({ eventType: detail.eventType, mail, ...detail }),
    Resources: [`arn:aws:ses:${LOCAL_REGION}:${LOCAL_ACCOUNT}:configuration-set/${configurationSet}`],
    Time: at(offsetMs),
  });
  const delivery = (recipient: string) =>
    entry(
      'Email Delivered',
      {
        eventType: 'Delivery',
        delivery: {
          timestamp: at(1000),
          processingTimeMillis: 1000,
          recipients: [recipient],
          smtpResponse: '250 2.6.0 Message received',
          reportingMTA: 'a8-70.smtp-out.amazonses.com',
          remoteMtaIp: '127.0.0.1',
        },
      },
      1000,
    );
  const bounce = (recipient: string, subType: 'General' | 'OnAccountSuppressionList') =>
    entry(
      'Email Bounced',
      {
        eventType: 'Bounce',
        bounce: {
          feedbackId: `${messageId}-bounce-${recipient}`,
          bounceType: 'Permanent',
          bounceSubType: subType,
          bouncedRecipients: [
            subType === 'General'
              ? {
                  emailAddress: recipient,
                  action: 'failed',
                  status: '5.1.1',
                  diagnosticCode: 'smtp; 550 5.1.1 user unknown',
                }
              : {
                  emailAddress: recipient,
                  action: 'failed',
                  status: '5.1.1',
                  diagnosticCode:
                    'Amazon SES did not send the message to this address because it is on the suppression list for your account.',
                },
          ],
          timestamp: at(1000),
          reportingMTA: 'dsn; amazonses.com',
        },
      },
      1000,
    );
  const complaint = (recipient: string) =>
    entry(
      'Email Complaint Received',
      {
        eventType: 'Complaint',
        complaint: {
          feedbackId: `${messageId}-complaint-${recipient}`,
          complaintSubType: null,
          complainedRecipients: [{ emailAddress: recipient }],
          timestamp: at(2000),
          userAgent: 'Amazon SES Mailbox Simulator',
          complaintFeedbackType: 'abuse',
          arrivalDate: at(2000),
        },
      },
      2000,
    );
  const events = [entry('Email Sent', { eventType: 'Send', send: {} }, 0)];
  for (const recipient of recipients) {
    switch (simulated(recipient)) {
      case 'bounce':
        events.push(bounce(recipient, 'General'));
        break;
      case 'suppressionlist':
        events.push(bounce(recipient, 'OnAccountSuppressionList'));
        break;
      case 'complaint':
        events.push(delivery(recipient), complaint(recipient));
        break;
      default:
        events.push(delivery(recipient));
    }
  }
  return events;
}

/** Which mailbox-simulator scenario an address asks for (`success` and ordinary addresses deliver). */
function simulated(recipient: string): string | undefined {
  const address = /<([^>]+)>/.exec(recipient)?.[1] ?? recipient;
  return /^(bounce|complaint|ooto|suppressionlist|success)(?:\+[^@]*)?@simulator\.amazonses\.com$/i
    .exec(address.trim())?.[1]
    ?.toLowerCase();
}

/** Headers of a raw message the store keeps as they were (the rest it derives from the parsed mail). */
const KEPT_RAW_HEADERS = ['message-id', 'in-reply-to', 'references', 'auto-submitted'];

/**
 * A SendEmail with raw content, rewritten as the simple content it carries (From, Reply-To,
 * subject, bodies, attachments, and the headers a reader of the store checks), parsed by
 * mailparser as SES parses it. Any other request is returned as it came.
 */
export async function rawAsSimple(body: Buffer): Promise<Buffer> {
  const input = parseJson(body) as {
    FromEmailAddress?: string;
    Destination?: { ToAddresses?: string[] };
    Content?: { Raw?: { Data?: string } };
  };
  const data = input.Content?.Raw?.Data;
  if (!data) return body;
  const { simpleParser } = await import('mailparser');
  const mail = await simpleParser(Buffer.from(data, 'base64'));
  const addresses = (value: typeof mail.to) =>
    (Array.isArray(value) ? value : value ? [value] : []).flatMap((g) => g.value.map((a) => a.address ?? ''));
  const headers = mail.headerLines
    .filter((line) => KEPT_RAW_HEADERS.includes(line.key.toLowerCase()))
    .map((line) => ({
      Name: line.line.slice(0, line.line.indexOf(':')),
      Value: line.line
        .slice(line.line.indexOf(':') + 1)
        .replace(/\r?\n[ \t]+/g, ' ')
        .trim(),
    }));
  const { Content: _, ...rest } = input as Record<string, unknown> & { Content?: unknown };
  return Buffer.from(
    JSON.stringify({
      ...rest,
      FromEmailAddress: input.FromEmailAddress ?? mail.from?.text,
      ...(mail.replyTo ? { ReplyToAddresses: addresses(mail.replyTo as typeof mail.to) } : {}),
      Destination: input.Destination ?? { ToAddresses: addresses(mail.to) },
      Content: {
        Simple: {
          Subject: { Data: mail.subject ?? '' },
          Body: {
            ...(mail.text ? { Text: { Data: mail.text } } : {}),
            ...(typeof mail.html === 'string' ? { Html: { Data: mail.html } } : {}),
          },
          Headers: headers,
          ...(mail.attachments.length
            ? {
                Attachments: mail.attachments.map((a) => ({
                  FileName: a.filename ?? 'attachment',
                  ContentType: a.contentType,
                  RawContent: a.content.toString('base64'),
                })),
              }
            : {}),
        },
      },
    }),
  );
}
