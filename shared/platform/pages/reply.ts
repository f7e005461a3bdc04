import { type Reply, reply } from '../http/handler.ts';
import { PROBLEM_CONTENT_TYPE } from '../http/problem.ts';
import type { HtmlPage } from './shell.tsx';
import { localeFromAcceptLanguage, wantsHtml } from './visitor.ts';

const PROBLEM_TYPES: Record<number, string> = {
  400: 'validation',
  404: 'not-found',
  409: 'conflict',
  410: 'gone',
};

/**
 * A rendered page as a handler's answer, with the shell's headers. A page that says no (a broken
 * link, a form to correct) answers a client that asked for JSON with the same status as
 * problem+json, as every error of the API does.
 */
export function pageReply(
  page: HtmlPage,
  request: { headers: Record<string, string | undefined>; requestId: string },
): Reply<string> {
  if (page.status >= 400 && page.problem && !wantsHtml(request.headers.accept)) {
    const { title, detail, errors } = page.problem;
    return reply(
      JSON.stringify({
        type: `urn:funnel:problem:${PROBLEM_TYPES[page.status] ?? 'bad-request'}`,
        title,
        status: page.status,
        detail,
        requestId: request.requestId,
        ...(errors ? { errors } : {}),
      }),
      { status: page.status, headers: { 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store' } },
    );
  }
  return reply(page.html, { status: page.status, headers: page.headers });
}

export { PAGE_OPTIONS } from './options.ts';

/** What a visit to a public page brings besides its token: the time, and the browser's language. */
export interface Visit {
  now: Date;
  /** For readers the page knows nothing of (a broken link); known readers get their own locale. */
  browserLocale?: string | undefined;
}

export function visitOf(headers: Record<string, string | undefined>, now = new Date()): Visit {
  return { now, browserLocale: localeFromAcceptLanguage(headers['accept-language']) };
}
