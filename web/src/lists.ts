import type { Schemas } from '@funnel/client';
import type { LoaderFunctionArgs } from 'react-router';
import { api, ok } from './session.ts';
import type { ListPage } from './ui.tsx';

/**
 * The contact search's pages. Its first page is read by the route's loader, as the navigation
 * starts, and the screen changes once it has arrived, with its rows in the first render (issue
 * 17's list budget, bench/cases/console.ts). Showing the new screen at once with a loading state
 * and the rows later made the browser render, lay out and paint twice, the first time while the
 * request was in flight, and on a small machine that CPU is taken from the server answering it.
 * Meanwhile the old screen stays, with the shell's "Loading…" status.
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
  /** Undefined when the read failed: the list then reads it itself and shows the problem. */
  first: ListPage<ContactRow> | undefined;
}

export async function contactSearchLoader({ request }: LoaderFunctionArgs): Promise<FirstPage> {
  const search = contactSearch(new URL(request.url).searchParams);
  return { first: await contactPage(search, undefined).catch(() => undefined) };
}
