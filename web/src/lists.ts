import type { Schemas } from '@funnel/client';
import { useCallback } from 'react';
import { type LoaderFunctionArgs, useLoaderData, useSearchParams } from 'react-router';
import { api, ok } from './session.ts';
import type { ListPage } from './ui.tsx';

/**
 * The list screens' pages. A list's first page is read by its route's loader, as the navigation
 * starts, and the screen changes once it has arrived, with its rows in the first render (issue
 * 17's list budget, bench/cases/console.ts). Showing the new screen at once with a loading state
 * and the rows later made the browser render, lay out and paint twice, the first time while the
 * request was in flight, and on a small machine that CPU is taken from the server answering it.
 * Meanwhile the old screen stays, with the shell's "Loading…" status.
 *
 * A page depends only on the address (its filters are search parameters, so a filtered list can
 * be shared, bookmarked and gone back to) and on the cursor of the page before.
 */
export type PageOf<T> = (search: URLSearchParams, cursor: string | undefined) => Promise<ListPage<T>>;

export interface FirstPage<T> {
  /** Undefined when the read failed: the list then reads it itself and shows the problem. */
  first: ListPage<T> | undefined;
}

/** The route loader of a list screen: its first page for the address navigated to. */
export function firstPageLoader<T>(page: PageOf<T>) {
  return async ({ request }: LoaderFunctionArgs): Promise<FirstPage<T>> => ({
    first: await page(new URL(request.url).searchParams, undefined).catch(() => undefined),
  });
}

/**
 * In a list screen: the page its loader read, the reader of the pages after it for the same
 * address, and the address's search parameters (a filter changes them with `setParams`).
 */
export function useListPages<T>(page: PageOf<T>) {
  const [params, setParams] = useSearchParams();
  const { first } = useLoaderData() as FirstPage<T>;
  const search = params.toString();
  const load = useCallback(
    (cursor: string | undefined) => page(new URLSearchParams(search), cursor),
    [page, search],
  );
  return { first, load, params, setParams };
}

const PAGE = 25;
/** The API's `cursor` parameter, absent for a first page. */
export const cursorOf = (cursor?: string) => (cursor ? { cursor } : {});
const from = (cursor: string | undefined) => ({ limit: PAGE, ...cursorOf(cursor) });

export type ContactRow = Schemas['Contact'] | Schemas['Company'];
export type SearchBy = 'name' | 'email' | 'company';

export function contactSearch(search: URLSearchParams) {
  const q = search.get('q') ?? '';
  const by = (search.get('by') as SearchBy | null) ?? 'name';
  return { q, by };
}

export const contactPage: PageOf<ContactRow> = (search, cursor) => {
  const { q, by } = contactSearch(search);
  if (by === 'company')
    return ok(
      api.GET('/v1/companies', { params: { query: { ...from(cursor), ...(q ? { namePrefix: q } : {}) } } }),
    );
  const filter = !q ? {} : by === 'email' ? { email: q } : { namePrefix: q };
  return ok(api.GET('/v1/contacts', { params: { query: { ...from(cursor), ...filter } } }));
};

/** The lead inbox opens on new leads. */
export const leadStatus = (search: URLSearchParams) =>
  (search.get('status') as Schemas['LeadStatus'] | null) ?? 'new';

export const leadPage: PageOf<Schemas['Lead']> = (search, cursor) =>
  ok(api.GET('/v1/leads', { params: { query: { status: leadStatus(search), ...from(cursor) } } }));

/** A list without filters: each page is the next one after the cursor. */
function unfiltered<T>(
  get: (
    query: ReturnType<typeof from>,
  ) => Promise<{ data?: ListPage<T>; error?: unknown; response: Response }>,
): PageOf<T> {
  return (_, cursor) => ok(get(from(cursor)));
}

export const quotePage = unfiltered((query) => api.GET('/v1/quotes', { params: { query } }));

export const orderPage = unfiltered((query) => api.GET('/v1/orders', { params: { query } }));

export const purchaseOrderPage = unfiltered((query) => api.GET('/v1/purchase-orders', { params: { query } }));

/** Every invoice unless a status is chosen. */
export const invoiceStatus = (search: URLSearchParams) =>
  (search.get('status') as Schemas['InvoiceStatus'] | null) ?? undefined;

export const invoicePage: PageOf<Schemas['Invoice']> = (search, cursor) => {
  const status = invoiceStatus(search);
  return ok(
    api.GET('/v1/invoices', { params: { query: { ...from(cursor), ...(status ? { status } : {}) } } }),
  );
};

export const mailingListPage = unfiltered((query) => api.GET('/v1/lists', { params: { query } }));

export const segmentPage = unfiltered((query) => api.GET('/v1/segments', { params: { query } }));

export const templatePage = unfiltered((query) => api.GET('/v1/templates', { params: { query } }));

export const surveyPage = unfiltered((query) => api.GET('/v1/surveys', { params: { query } }));

export const memberPage = unfiltered((query) => api.GET('/v1/members', { params: { query } }));

export const apiKeyPage = unfiltered((query) => api.GET('/v1/api-keys', { params: { query } }));

export const auditPage = unfiltered((query) => api.GET('/v1/audit', { params: { query } }));
