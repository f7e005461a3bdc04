/**
 * MIME in through the Nodemailer project's parser (mailparser), loaded on the code path that reads
 * received mail (the inbound function) and nowhere else.
 */
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
