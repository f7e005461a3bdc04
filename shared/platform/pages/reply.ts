import { type HttpHandlerOptions, type Reply, reply } from '../http/handler.ts';
import { localeFromAcceptLanguage, pageError } from './errors.tsx';
import type { HtmlPage } from './shell.tsx';

/** A rendered page as a handler's answer, with the shell's headers. */
export function pageReply(page: HtmlPage): Reply<string> {
  return reply(page.html, { status: page.status, headers: page.headers });
}

/** Options of httpHandler for a function that serves pages: their errors become friendly pages. */
export const PAGE_OPTIONS: HttpHandlerOptions = { renderError: pageError };

/** What a visit to a public page brings besides its token: the time, and the browser's language. */
export interface Visit {
  now: Date;
  /** For readers the page knows nothing of (a broken link); known readers get their own locale. */
  browserLocale?: string | undefined;
}

export function visitOf(headers: Record<string, string | undefined>, now = new Date()): Visit {
  return { now, browserLocale: localeFromAcceptLanguage(headers['accept-language']) };
}
