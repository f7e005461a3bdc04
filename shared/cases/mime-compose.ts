import type { Attachment } from '../platform/aws/ses.ts';

/**
 * MIME out through the Nodemailer project's composer, loaded on the code path that sends, so the
 * API's functions never pay for it at cold start. Parsing is its own file (mime-parse.ts): a
 * function that only composes does not carry the parser, even as a chunk. Headers are built by
 * the library: a subject or a name cannot carry a line break into the header block
 * (test/unit/cases/mime.test.ts).
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
