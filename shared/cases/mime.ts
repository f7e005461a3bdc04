import type { Attachment } from '../platform/aws/ses.ts';

/**
 * MIME in and out through the Nodemailer project's libraries, loaded on the code paths that need
 * them (mail composition in the mail consumer, parsing in the inbound function), so the API's
 * functions never pay for them at cold start. Headers are built by the library: a subject or a
 * name cannot carry a line break into the header block (test/unit/cases/mime.test.ts).
 */
export interface OutgoingMail {
  from: { name: string; address: string };
  replyTo: string;
  to: { name: string; address: string };
  subject: string;
  text: string;
  html?: string;
  messageId: string;
  inReplyTo?: string;
  references?: string[];
  /** RFC 3834: `auto-replied` on acknowledgements, so autoresponders do not answer them. */
  autoSubmitted?: 'auto-replied' | 'auto-generated';
  attachments?: Attachment[];
}

export async function composeMail(mail: OutgoingMail): Promise<Buffer> {
  const { default: MailComposer } = await import('nodemailer/lib/mail-composer/index.js');
  const composer = new MailComposer({
    from: mail.from,
    replyTo: mail.replyTo,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    ...(mail.html ? { html: mail.html } : {}),
    messageId: mail.messageId,
    ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo } : {}),
    ...(mail.references?.length ? { references: mail.references } : {}),
    headers: mail.autoSubmitted ? { 'Auto-Submitted': mail.autoSubmitted } : {},
    attachments: (mail.attachments ?? []).map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: a.content,
    })),
  });
  return composer.compile().build();
}

export interface ParsedAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface ParsedMail {
  messageId: string | undefined;
  inReplyTo: string[];
  references: string[];
  from: { name: string; address: string } | undefined;
  recipients: string[];
  subject: string;
  text: string;
  attachments: ParsedAttachment[];
  headers: Map<string, string>;
}

/** Reads a raw message; throws on what the parser cannot read. */
export async function parseMail(raw: Buffer): Promise<ParsedMail> {
  const { simpleParser } = await import('mailparser');
  const parsed = await simpleParser(raw, { skipHtmlToText: false, skipTextLinks: true });
  const addresses = (value: typeof parsed.to) =>
    (Array.isArray(value) ? value : value ? [value] : []).flatMap((group) =>
      group.value.flatMap((a) => (a.address ? [a.address] : [])),
    );
  const headers = new Map<string, string>();
  // The first occurrence wins: receivers (SES) prepend their headers above whatever the sender wrote.
  for (const line of parsed.headerLines) {
    const name = line.key.toLowerCase();
    if (!headers.has(name)) headers.set(name, headerValue(line.line));
  }
  const from = parsed.from?.value[0];
  const envelope = ['delivered-to', 'x-original-to']
    .flatMap((name) => parsed.headerLines.filter((l) => l.key.toLowerCase() === name))
    .map((l) => headerValue(l.line).replace(/^<|>$/g, ''));
  return {
    messageId: parsed.messageId,
    inReplyTo: messageIds(parsed.inReplyTo),
    references: messageIds(parsed.references),
    from: from?.address ? { name: from.name ?? '', address: from.address } : undefined,
    recipients: [...envelope, ...addresses(parsed.to), ...addresses(parsed.cc)],
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    attachments: parsed.attachments
      .filter((a) => a.contentDisposition !== 'inline' || !a.related)
      .map((a, i) => ({
        filename: a.filename ?? `attachment-${i + 1}`,
        contentType: a.contentType,
        content: a.content,
      })),
    headers,
  };
}

function headerValue(line: string): string {
  return line.slice(line.indexOf(':') + 1).trim();
}

function messageIds(value: string | string[] | undefined): string[] {
  const all = (Array.isArray(value) ? value : value ? [value] : []).join(' ');
  return all.match(/<[^<>\s]+>/g) ?? [];
}
