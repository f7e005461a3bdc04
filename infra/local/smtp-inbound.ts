import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream } from 'smtp-server';
import { parseSupportAddress } from '../../shared/cases/addresses.ts';
import { INBOUND_BUCKET, INCOMING_PREFIX, MAX_INBOUND_BYTES } from '../../shared/cases/inbound-layout.ts';
import { newId } from '../../shared/platform/ids.ts';
import type { LocalS3 } from './aws/s3.ts';

/**
 * SES receiving on one machine: a real SMTP server (Nodemailer's smtp-server) on the loopback
 * interface. It accepts mail for the support addresses of tenants that exist, refusing any other
 * recipient at RCPT TO (550), and mail over the size limit at MAIL FROM (SIZE) or after DATA (552).
 * Each accepted message is stored raw under `incoming/` in the local S3's inbound bucket, which
 * notifies the inbound function with S3's event shape, as on AWS.
 *
 * Like SES it prepends `X-SES-Spam-Verdict` and `X-SES-Virus-Verdict` (PASS) and one
 * `Delivered-To` per accepted recipient, after dropping any X-SES-* headers the sender wrote.
 * Tests flag the next message as spam or infected with `flagNext` (infra/local/aws/README.md).
 */
export interface LocalSmtpOptions {
  host: string;
  port: number;
  domain: string;
  s3: LocalS3;
  tenantExists(tenantId: string): Promise<boolean>;
  maxBytes?: number;
}

export interface Verdicts {
  spam?: 'PASS' | 'FAIL';
  virus?: 'PASS' | 'FAIL';
}

export interface LocalSmtp {
  url: string;
  host: string;
  port: number;
  /** The verdicts the next accepted message carries instead of PASS (a test hook). */
  flagNext(verdicts: Verdicts): void;
  close(): Promise<void>;
}

export async function startLocalSmtp(options: LocalSmtpOptions): Promise<LocalSmtp> {
  const maxBytes = options.maxBytes ?? MAX_INBOUND_BYTES;
  let next: Verdicts | undefined;
  const server = new SMTPServer({
    name: options.domain,
    banner: 'Funnel CRM local SES receiving',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: maxBytes,
    logger: false,
    async onRcptTo(address: SMTPServerAddress, _session, callback) {
      const recipient = parseSupportAddress(address.address, options.domain);
      const known = recipient ? await options.tenantExists(recipient.tenantId).catch(() => false) : false;
      if (!known) {
        const error = new Error(`5.1.1 <${address.address}>: no such support address`) as Error & {
          responseCode: number;
        };
        error.responseCode = 550;
        callback(error);
        return;
      }
      callback();
    },
    onData(stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          const error = new Error(`5.3.4 Message exceeds the ${maxBytes} byte limit`) as Error & {
            responseCode: number;
          };
          error.responseCode = 552;
          callback(error);
          return;
        }
        const verdicts = { spam: 'PASS', virus: 'PASS', ...next };
        next = undefined;
        const raw = Buffer.concat([
          Buffer.from(
            [
              ...session.envelope.rcptTo.map((r) => `Delivered-To: ${r.address}`),
              `X-SES-Spam-Verdict: ${verdicts.spam}`,
              `X-SES-Virus-Verdict: ${verdicts.virus}`,
              '',
            ].join('\r\n'),
          ),
          withoutSesHeaders(Buffer.concat(chunks)),
        ]);
        options.s3
          .putObject(INBOUND_BUCKET, `${INCOMING_PREFIX}${newId()}`, raw, { contentType: 'message/rfc822' })
          .then(() => callback(null, 'Queued'))
          .catch((error: Error) => callback(error));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => console.error('Local SMTP listener:', error.message));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://${options.host}:${port}`,
    host: options.host,
    port,
    flagNext: (verdicts) => {
      next = verdicts;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Drops header lines (and their continuations) named X-SES-*: only the receiver sets verdicts. */
function withoutSesHeaders(raw: Buffer): Buffer {
  const end = raw.indexOf('\r\n\r\n');
  const split = end >= 0 ? end : raw.indexOf('\n\n');
  if (split < 0) return raw;
  const head = raw.subarray(0, split).toString('latin1');
  const lines = head.split(/\r?\n/);
  const kept: string[] = [];
  let dropping = false;
  for (const line of lines) {
    if (/^[ \t]/.test(line)) {
      if (!dropping) kept.push(line);
      continue;
    }
    dropping = /^x-ses-/i.test(line);
    if (!dropping) kept.push(line);
  }
  return Buffer.concat([Buffer.from(kept.join('\r\n'), 'latin1'), raw.subarray(split)]);
}
