import type { HttpHandlerOptions } from '../http/handler.ts';
import type { AnyRoute } from '../http/route.ts';

/**
 * A route that answers a page (HTML) rather than JSON. Apart from the content negotiation
 * (visitor.ts) so that an API function with one page among its routes decides without loading it.
 */
export function isPageRoute(route: Pick<AnyRoute, 'response'>): boolean {
  return route.response.contentType?.startsWith('text/html') ?? false;
}

/**
 * Options of httpHandler for a function that serves pages: their errors become friendly pages for
 * a browser. The renderer, with the negotiation of what the browser wants, loads on the first error
 * of a page route, not at every cold start.
 */
export const PAGE_OPTIONS: HttpHandlerOptions = {
  renderError: async (problem, request) => {
    if (!request.route || !isPageRoute(request.route)) return undefined;
    const { pageError } = await import('./errors.tsx');
    return pageError(problem, request);
  },
};
