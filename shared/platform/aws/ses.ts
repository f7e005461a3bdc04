import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { readEnv, required } from '../config.ts';

const env = readEnv({ SES_CONFIGURATION_SET: required() });
const client = new SESv2Client({});
/**
 * For callers that guard each email with their own exactly-once record: the SDK's automatic
 * retries would send again after a timeout in which SES may already have accepted the message.
 */
const singleAttemptClient = new SESv2Client({ maxAttempts: 1 });

export interface Envelope {
  from: { name: string; email: string };
  replyTo?: string[];
  to: string[];
  cc?: string[];
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
  /** Reach the configuration-set events (delivery, bounce...) as `mail.tags`. */
  tags: Record<string, string>;
  /** The SES tenant the mail is sent for (per-tenant reputation); service mail names none. */
  sesTenant?: string;
  attachments?: Attachment[];
}

/** A file with the mail: attached, or inline (shown in the HTML where it says `cid:<contentId>`). */
export interface Attachment {
  filename: string;
  contentType: string;
  content: Buffer;
  inline?: { contentId: string };
}

/**
 * RFC 5322 mailbox with the display name quoted, and MIME-encoded (RFC 2047) when it is not
 * ASCII, which is the one header SES does not encode for us. The body's MIME structure is built
 * by SES itself from the simple content.
 */
export function mailbox(name: string, email: string): string {
  if (!name) return email;
  const display = /^[\x20-\x7e]*$/.test(name)
    ? `"${name.replace(/["\\]/g, '\\$&')}"`
    : `=?UTF-8?B?${Buffer.from(name, 'utf8').toString('base64')}?=`;
  return `${display} <${email}>`;
}

/** SES tag values allow letters, digits, `_`, `-`, `.` and `@`. */
function tagValue(value: string): string {
  return value.replace(/[^A-Za-z0-9_\-.@]/g, '_').slice(0, 256) || '_';
}

/**
 * SES said "not now" rather than "not this": throttling or quota (429, TooManyRequestsException,
 * LimitExceededException) or a failure on its side (5xx). SES answered, so it took nothing, and
 * the same mail may be sent again.
 */
export function isTransientSesError(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  const status = e?.$metadata?.httpStatusCode;
  return (
    status === 429 ||
    (typeof status === 'number' && status >= 500) ||
    ['TooManyRequestsException', 'LimitExceededException', 'Throttling', 'ThrottlingException'].includes(
      e?.name ?? '',
    )
  );
}

export async function sendEnvelope(envelope: Envelope): Promise<string> {
  return send(client, envelope);
}

/**
 * One attempt, no automatic retry: an error with an HTTP status means SES did not take the message
 * (throttling included, which the caller may retry); an error without one means it may have.
 */
export async function sendEnvelopeOnce(envelope: Envelope): Promise<string> {
  return send(singleAttemptClient, envelope);
}

async function send(sesClient: SESv2Client, envelope: Envelope): Promise<string> {
  const result = await sesClient.send(
    new SendEmailCommand({
      FromEmailAddress: mailbox(envelope.from.name, envelope.from.email),
      ReplyToAddresses: envelope.replyTo,
      Destination: { ToAddresses: envelope.to, CcAddresses: envelope.cc },
      ConfigurationSetName: env.SES_CONFIGURATION_SET,
      ...(envelope.sesTenant ? { TenantName: envelope.sesTenant } : {}),
      EmailTags: Object.entries(envelope.tags).map(([Name, Value]) => ({ Name, Value: tagValue(Value) })),
      Content: {
        Simple: {
          Subject: { Data: envelope.subject, Charset: 'UTF-8' },
          Body: {
            Text: { Data: envelope.text, Charset: 'UTF-8' },
            Html: { Data: envelope.html, Charset: 'UTF-8' },
          },
          Headers: Object.entries(envelope.headers ?? {}).map(([Name, Value]) => ({ Name, Value })),
          ...(envelope.attachments?.length
            ? {
                Attachments: envelope.attachments.map((a) => ({
                  FileName: a.filename,
                  ContentType: a.contentType,
                  RawContent: a.content,
                  ContentTransferEncoding: 'BASE64' as const,
                  ContentDisposition: a.inline ? ('INLINE' as const) : ('ATTACHMENT' as const),
                  ...(a.inline ? { ContentId: a.inline.contentId } : {}),
                })),
              }
            : {}),
        },
      },
    }),
  );
  if (!result.MessageId) throw new Error('SES accepted the message without a message id.');
  return result.MessageId;
}

/** A message whose MIME the caller built (threading headers, its own Message-ID). */
export interface RawEnvelope {
  /** The address SES checks against the sender identities; the same as the MIME's From. */
  from: string;
  to: string[];
  raw: Buffer;
  tags: Record<string, string>;
  sesTenant?: string;
}

/** One attempt, as sendEnvelopeOnce: the caller guards the mail with its own exactly-once record. */
export async function sendRawEnvelopeOnce(envelope: RawEnvelope): Promise<string> {
  const result = await singleAttemptClient.send(
    new SendEmailCommand({
      FromEmailAddress: envelope.from,
      Destination: { ToAddresses: envelope.to },
      ConfigurationSetName: env.SES_CONFIGURATION_SET,
      ...(envelope.sesTenant ? { TenantName: envelope.sesTenant } : {}),
      EmailTags: Object.entries(envelope.tags).map(([Name, Value]) => ({ Name, Value: tagValue(Value) })),
      Content: { Raw: { Data: envelope.raw } },
    }),
  );
  if (!result.MessageId) throw new Error('SES accepted the message without a message id.');
  return result.MessageId;
}
