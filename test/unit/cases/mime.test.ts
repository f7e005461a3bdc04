import { describe, expect, it } from 'vitest';
import { composeMail } from '../../../shared/cases/mime-compose.ts';
import { parseMail } from '../../../shared/cases/mime-parse.ts';

/** Headers are the library's: nothing a customer or an agent types can add one. */
const headerBlock = (raw: Buffer) => raw.toString('utf8').split('\r\n\r\n')[0]!;

describe('outgoing case mail', () => {
  it('keeps a subject or a name with line breaks inside its own header', async () => {
    const raw = await composeMail({
      from: { name: 'Acme Support\r\nBcc: victim@example.com', address: 'hello@acme.example' },
      replyTo: 'case@support.example',
      to: { name: 'Eve\nX-Injected: yes', address: 'eve@customers.example' },
      subject: 'Hello\r\nBcc: everyone@example.com\r\n\r\nforged body',
      text: 'Body',
      messageId: '<01je@support.example>',
    });
    const headers = headerBlock(raw);
    expect(headers).not.toMatch(/^Bcc:/im);
    expect(headers).not.toMatch(/^X-Injected:/im);
    const parsed = await parseMail(raw);
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(parsed.recipients).toEqual(['eve@customers.example']);
    expect(parsed.text.trim()).toBe('Body');
  });

  it('threads a reply under the messages it answers', async () => {
    const raw = await composeMail({
      from: { name: 'Acme Support', address: 'hello@acme.example' },
      replyTo: 'case@support.example',
      to: { name: 'Grace', address: 'grace@customers.example' },
      subject: 'Re: Help [#3]',
      text: 'Answer',
      messageId: '<reply@support.example>',
      inReplyTo: '<question@customers.example>',
      references: ['<question@customers.example>', '<earlier@support.example>'],
    });
    const parsed = await parseMail(raw);
    expect(parsed.messageId).toBe('<reply@support.example>');
    expect(parsed.inReplyTo).toEqual(['<question@customers.example>']);
    expect(parsed.references).toEqual(['<question@customers.example>', '<earlier@support.example>']);
  });
});
