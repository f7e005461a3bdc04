import type { Schemas } from '@funnel/client';
import type { LoaderFunctionArgs } from 'react-router';
import { api, ok } from './session.ts';
import type { ListPage } from './ui.tsx';

/**
 * The contact search's pages. Its first page is asked for by the route's loader, as the
 * navigation starts, rather than by the list once the screen has rendered, painted and run its
 * effects: the request no longer waits for the screen (issue 17's list budget, bench/cases/console.ts).
 * The loader returns the request without awaiting it, so the screen still shows at once with its
 * loading state.
 */
export type ContactRow = Schemas['Contact'] | Schemas['Company'];
export type SearchBy = 'name' | 'email' | 'company';

export function contactSearch(search: URLSearchParams) {
  const q = search.get('q') ?? '';
  const by = (search.get('by') as SearchBy | null) ?? 'name';
  return { q, by };
}

export function contactPage(
  { q, by }: { q: string; by: SearchBy },
  cursor: string | undefined,
): Promise<ListPage<ContactRow>> {
  const query = { limit: 25, ...(cursor ? { cursor } : {}) };
  if (by === 'company')
    return ok(api.GET('/v1/companies', { params: { query: { ...query, ...(q ? { namePrefix: q } : {}) } } }));
  const filter = !q ? {} : by === 'email' ? { email: q } : { namePrefix: q };
  return ok(api.GET('/v1/contacts', { params: { query: { ...query, ...filter } } }));
}

export interface FirstPage {
  first: Promise<ListPage<ContactRow>>;
}

export function contactSearchLoader({ request }: LoaderFunctionArgs): FirstPage {
  const first = contactPage(contactSearch(new URL(request.url).searchParams), undefined);
  // Its failure is shown by the list that awaits it; it must not also surface as unhandled.
  first.catch(() => undefined);
  return { first };
}
