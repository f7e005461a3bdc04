import { createHash } from 'node:crypto';
import type { ComponentChildren, VNode } from 'preact';
import { render } from 'preact-render-to-string';
import type { FieldIssue } from '../errors.ts';

/**
 * The one shell of every page the CRM serves to a browser: the public pages people open from a
 * link (survey form, unsubscribe, preferences, self-service, and any later one) and the print
 * views. It gives each page the same security headers, the same accessible look (semantic
 * landmarks, visible focus, contrast of at least 4.5:1, one column that works at 390 px, nothing
 * that needs JavaScript) and auto-escaping: pages are Preact components rendered to a string, so
 * every value is escaped by the renderer, never by hand. How to add a page: docs/pages.md.
 */

/**
 * Forms and notices: readable on a phone, large targets, errors next to their field. A word longer
 * than the line (a company name without spaces, a pasted URL) wraps rather than push the page sideways.
 */
const PAGE_STYLE = `*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:1.0625rem;line-height:1.5;color:#1d1d1f;background:#f6f7f9;overflow-wrap:break-word}
.wrap{max-width:40rem;margin:0 auto;padding:1rem}
.brand{font-weight:700;font-size:1.1rem;padding:.25rem 0 .75rem;border-bottom:3px solid #1f4e79}
main{background:#fff;border-radius:.5rem;padding:1rem 1.25rem 1.5rem;margin:1rem 0}
h1{font-size:1.5rem;line-height:1.25;margin:.5rem 0 1rem}h2{font-size:1.2rem}
a{color:#0b57d0}p{margin:.6rem 0}
fieldset,.question{border:1px solid #c4c7cc;border-radius:.5rem;margin:1.2rem 0;padding:.8rem 1rem}
legend,.question>label{font-weight:600;padding:0 .3rem}
label{display:block;margin:.7rem 0 .25rem;font-weight:600}
.choice{display:flex;align-items:center;gap:.6rem;font-weight:400;margin:.2rem 0;min-height:2.75rem}
input[type=text],input[type=email],input[type=tel],textarea,select{display:block;width:100%;font:inherit;padding:.55rem .6rem;border:1px solid #6b7078;border-radius:.35rem;background:#fff;color:inherit}
textarea{min-height:6rem}
input[type=radio],input[type=checkbox]{width:1.35rem;height:1.35rem;margin:0;flex:none}
.help,.muted{color:#4a4f57}.req{color:#4a4f57;font-weight:400}
.scale{display:flex;flex-wrap:wrap;gap:.4rem;margin:.5rem 0}
.scale label{display:flex;flex-direction:column;align-items:center;gap:.2rem;min-width:2.75rem;margin:0;padding:.35rem;border:1px solid #6b7078;border-radius:.4rem;font-weight:400}
.ends{display:flex;justify-content:space-between;gap:1rem;color:#4a4f57;font-size:.9rem}
.error{color:#b00020;font-weight:600}
.invalid{border-color:#b00020;border-width:2px}
.summary{border:2px solid #b00020;border-radius:.5rem;padding:.6rem 1rem;margin:1rem 0}
.saved{border-left:4px solid #1b7f3b;background:#eef8f0;padding:.6rem .9rem}
button{font:inherit;font-weight:600;min-height:2.75rem;margin:1rem 0 .5rem;padding:.65rem 1.6rem;border-radius:.4rem;border:0;background:#1f4e79;color:#fff;cursor:pointer}
button:hover{background:#173b5c}
:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
footer{color:#4a4f57;font-size:.875rem;padding:.5rem 0 2rem}
.reference{font-size:.8rem;color:#4a4f57}`;

/** Print views: a document laid out for paper and for "save as PDF"; long words wrap as on the forms. */
const DOCUMENT_STYLE = `body{font-family:Helvetica,Arial,sans-serif;color:#1d1d1f;margin:0 auto;padding:24px 16px;max-width:800px;line-height:1.4;font-size:11pt;overflow-wrap:break-word}
.head{display:flex;flex-wrap:wrap;justify-content:space-between;gap:16px;border-bottom:3px solid #1f4e79;padding-bottom:16px}
h1{margin:0;font-size:22pt;color:#1f4e79}h2{font-size:13pt;margin:20px 0 6px}
.muted{color:#4a4f57}.lines{white-space:pre-line}
.parties{display:flex;flex-wrap:wrap;justify-content:space-between;gap:16px;margin:24px 0;overflow-wrap:anywhere}
table{width:100%;border-collapse:collapse;margin:16px 0}.scroll{overflow-x:auto}
th,td{padding:8px;border-bottom:1px solid #c4c7cc;text-align:left;vertical-align:top}
.n{text-align:right}
.totals{width:auto;min-width:50%;margin-left:auto}.totals th,.totals td{border:none;padding:4px 8px}
.due th,.due td{font-weight:bold;font-size:13pt;border-top:2px solid #1d1d1f}
.stamp{display:inline-block;border:3px solid #b00020;color:#b00020;padding:4px 12px;font-weight:bold;text-transform:uppercase}
.letter{padding:24px 0;break-after:page}.letter:last-child{break-after:auto}
.code{border:2px solid #1d1d1f;padding:6px 12px;font:bold 16pt monospace;letter-spacing:2px;display:inline-block}
.q{margin:14px 0;break-inside:avoid}.q>p{margin:0 0 6px;font-weight:bold}
.box{display:inline-block;margin:0 10px 6px 0;white-space:nowrap}.box span{display:inline-block;width:13px;height:13px;border:1.5px solid #1d1d1f;margin-right:4px;vertical-align:-2px}
.write div{border-bottom:1px solid #6b7078;height:26px}
@media print{body{max-width:none;margin:0;padding:0 18mm}}`;

export type Look = 'page' | 'document';

const STYLES: Record<Look, string> = { page: PAGE_STYLE, document: DOCUMENT_STYLE };

const hashOf = (css: string) => `'sha256-${createHash('sha256').update(css).digest('base64')}'`;

/**
 * What the browser may do with these pages: show them with their own stylesheet (allowed by its
 * hash, so no injected style or script can run), post their forms back to us, and nothing else:
 * no framing (clickjacking), no sniffing, no referrer (the URL holds a token), no indexing, no cache.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': [
    "default-src 'none'",
    `style-src ${Object.values(STYLES).map(hashOf).join(' ')}`,
    "img-src 'self' data:",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex, nofollow',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

export interface ShellProps {
  /** BCP 47 language of the page (the reader's locale). */
  lang: string;
  title: string;
  /** Shown above the content: usually the tenant's name, so people know who is asking. */
  brand?: string | undefined;
  /** Shown below the content: usually the tenant's name and postal address. */
  footer?: string | undefined;
  look?: Look;
  children: ComponentChildren;
}

export function Shell({ lang, title, brand, footer, look = 'page', children }: ShellProps) {
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex, nofollow" />
        <meta name="referrer" content="no-referrer" />
        <title>{title}</title>
        {/* A constant of this module, allowed by its hash in PAGE_HEADERS. */}
        <style dangerouslySetInnerHTML={{ __html: STYLES[look] }} />
      </head>
      {look === 'document' ? (
        <body>{children}</body>
      ) : (
        <body>
          <div class="wrap">
            {brand ? <header class="brand">{brand}</header> : null}
            <main id="main">{children}</main>
            {footer ? <footer>{footer}</footer> : null}
          </div>
        </body>
      )}
    </html>
  );
}

/** What a page that says no means, for a client that asked for problem+json instead. */
export interface PageProblem {
  title: string;
  detail: string;
  errors?: FieldIssue[];
}

/** A rendered page: what a handler answers, with the shell's headers. */
export interface HtmlPage {
  status: number;
  html: string;
  headers: Record<string, string>;
  problem?: PageProblem;
}

export function renderPage(status: number, page: VNode, problem?: PageProblem): HtmlPage {
  return {
    status,
    html: `<!doctype html>\n${render(page)}`,
    headers: { ...PAGE_HEADERS },
    ...(problem ? { problem } : {}),
  };
}
