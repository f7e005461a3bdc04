import type { Server } from 'node:http';
import sesModule from 'aws-ses-v2-local';

/**
 * `aws-ses-v2-local` started in-process (its store then lives in this process too). It speaks
 * the SES v2 API (SendEmail simple/raw/template, templates, GetAccount) and serves a mail viewer
 * at `/` and the sent mails as JSON at `/store`.
 */
type Start = (config: { host?: string; port?: number }) => Promise<Server>;

export async function startSesEmulator(options: { host: string; port: number }): Promise<Server> {
  // The package is CommonJS with `exports.default`; ESM sees it one level down.
  const start = ((sesModule as unknown as { default?: Start }).default ?? sesModule) as unknown as Start;
  return start({ host: options.host, port: options.port });
}
