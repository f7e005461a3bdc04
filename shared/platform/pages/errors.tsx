import type { HttpResponse } from '../http/handler.ts';
import type { Problem } from '../http/problem.ts';
import type { AnyRoute } from '../http/route.ts';
import type { MessageKey } from '../i18n/catalog.ts';
import { translator } from '../i18n/translator.ts';
import { Notice } from './components.tsx';
import { isPageRoute } from './options.ts';
import { renderPage, Shell } from './shell.tsx';
import { localeFromAcceptLanguage, wantsHtml } from './visitor.ts';

export { isPageRoute } from './options.ts';
export { localeFromAcceptLanguage, wantsHtml } from './visitor.ts';

/**
 * Errors of page routes, for people: a friendly page in their language (from Accept-Language)
 * that says what happened and what to do, with the request id to quote. A client that asks for
 * JSON (`Accept: application/json` or `application/problem+json`) gets the problem document, as
 * on every other route. Pass `{ renderError: pageError }` to httpHandler in a function that
 * serves pages; routes that are not pages keep problem+json.
 */
function messagesFor(status: number): { title: MessageKey; body: MessageKey } {
  if (status === 401) return { title: 'error.unauthorized.title', body: 'error.unauthorized.body' };
  if (status === 403) return { title: 'error.forbidden.title', body: 'error.forbidden.body' };
  if (status === 404) return { title: 'error.notFound.title', body: 'error.notFound.body' };
  if (status === 409 || status === 412) return { title: 'error.conflict.title', body: 'error.conflict.body' };
  if (status === 429) return { title: 'error.busy.title', body: 'error.busy.body' };
  if (status >= 500) return { title: 'error.internal.title', body: 'error.internal.body' };
  return { title: 'error.badRequest.title', body: 'error.badRequest.body' };
}

export async function pageError(
  problem: Problem,
  request: { route: AnyRoute | undefined; headers: Record<string, string | undefined> },
): Promise<HttpResponse | undefined> {
  if (!request.route || !isPageRoute(request.route) || !wantsHtml(request.headers.accept)) return undefined;
  const i18n = await translator(localeFromAcceptLanguage(request.headers['accept-language']));
  const text = messagesFor(problem.status);
  const title = i18n.t(text.title);
  const page = renderPage(
    problem.status,
    <Shell lang={i18n.locale} title={title}>
      <Notice title={title}>
        <p>{i18n.t(text.body)}</p>
        <p class="reference">{i18n.t('error.reference', { requestId: problem.requestId })}</p>
      </Notice>
    </Shell>,
  );
  return {
    statusCode: page.status,
    headers: { ...page.headers, 'x-request-id': problem.requestId },
    body: page.html,
  };
}
