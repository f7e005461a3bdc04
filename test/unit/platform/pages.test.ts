import { describe, expect, it } from 'vitest';
import type { AnyRoute } from '../../../shared/platform/http/route.ts';
import { translator } from '../../../shared/platform/i18n/translator.ts';
import { renderTextEmail } from '../../../shared/platform/pages/email.tsx';
import { localeFromAcceptLanguage, pageError, wantsHtml } from '../../../shared/platform/pages/errors.tsx';
import { tenantNotice } from '../../../shared/tenancy/page.tsx';

const tenant = {
  name: 'Acme <b>&</b>',
  postalAddress: { lines: ['1 "Rue" <i>'], city: 'Paris', postalCode: '75002', country: 'FR' },
};
const page = { response: { status: 200, contentType: 'text/html' } } as AnyRoute;
const json = { response: { status: 200 } } as AnyRoute;
const problem = {
  type: 'urn:funnel:problem:not-found',
  title: 'Not found',
  status: 404,
  detail: 'x',
  requestId: 'r-1',
};

describe('content negotiation of pages', () => {
  it('shows people HTML, and clients that ask for JSON a problem', () => {
    expect(wantsHtml('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8')).toBe(true);
    expect(wantsHtml(undefined)).toBe(true);
    expect(wantsHtml('*/*')).toBe(true);
    expect(wantsHtml('application/json')).toBe(false);
    expect(wantsHtml('application/problem+json')).toBe(false);
    expect(wantsHtml('application/json, text/html;q=0.5')).toBe(false);
  });

  it('reads the browser’s language among the supported locales, by language when the region is not', () => {
    expect(localeFromAcceptLanguage('fr-CA,fr;q=0.9,en;q=0.5')).toBe('fr-CA');
    expect(localeFromAcceptLanguage('fr-MA')).toBe('fr-FR');
    expect(localeFromAcceptLanguage('de-DE,de;q=0.9')).toBeUndefined();
    expect(localeFromAcceptLanguage(undefined)).toBeUndefined();
  });

  it('turns the error of a page route into a page, and leaves other routes to problem+json', async () => {
    const html = await pageError(problem, { route: page, headers: { 'accept-language': 'fr' } });
    expect(html?.statusCode).toBe(404);
    expect(html?.headers?.['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(html?.body).toContain('Cette page n’existe pas');
    expect(html?.body).toContain('r-1');
    expect(
      await pageError(problem, { route: page, headers: { accept: 'application/json' } }),
    ).toBeUndefined();
    expect(await pageError(problem, { route: json, headers: {} })).toBeUndefined();
    expect(await pageError(problem, { route: undefined, headers: {} })).toBeUndefined();
  });
});

describe('the page shell and the email layout', () => {
  it('escape what a tenant typed, everywhere it is shown', async () => {
    const notice = tenantNotice(410, tenant, await translator('en-US'), 'Gone <now>', 'Bye "you" & <me>');
    expect(notice.html).not.toContain('<b>');
    expect(notice.html).not.toContain('<i>');
    expect(notice.html).not.toContain('<now>');
    expect(notice.html).toContain('Acme &lt;b>&amp;&lt;/b>');
    expect(notice.html).toContain('Bye &quot;you&quot; &amp; &lt;me>');
    expect(notice.problem).toEqual({ title: 'Gone <now>', detail: 'Bye "you" & <me>' });

    const mail = renderTextEmail(
      { lang: 'en-US', brand: tenant.name, footer: ['<script>x</script>'] },
      'a <b>\n\nc',
    );
    expect(mail).not.toContain('<script>');
    expect(mail).toContain('<p>a &lt;b></p><p>c</p>');
  });
});
