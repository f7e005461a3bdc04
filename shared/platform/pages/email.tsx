import { type ComponentChildren, Fragment, h } from 'preact';
import { render } from 'preact-render-to-string';

/**
 * The HTML of the system emails (dunning notices, quotes, purchase orders, reminders, alerts),
 * built with the same engine as the pages, so every value is escaped by the renderer. Mail
 * clients ignore style sheets, so the look is inline styles: one narrow column, the sender's
 * name on top, its address at the bottom.
 */
export interface EmailProps {
  lang: string;
  /** Who sends it (the tenant's name), shown on top and as the document title. */
  brand: string;
  /** Lines at the bottom: the sender's name and postal address. */
  footer: string[];
  children: ComponentChildren;
}

const BODY = {
  margin: '0',
  padding: '24px',
  background: '#f4f5f7',
  fontFamily: 'Helvetica,Arial,sans-serif',
  color: '#1d1d1f',
  lineHeight: '1.5',
};
const CARD = {
  maxWidth: '600px',
  margin: '0 auto',
  background: '#ffffff',
  padding: '24px',
  borderRadius: '6px',
};
const BRAND = {
  fontSize: '20px',
  fontWeight: 'bold',
  paddingBottom: '12px',
  borderBottom: '3px solid #1f4e79',
};
const FOOTER = {
  marginTop: '24px',
  paddingTop: '12px',
  borderTop: '1px solid #dddddd',
  fontSize: '12px',
  color: '#4a4f57',
};

export function renderEmail({ lang, brand, footer, children }: EmailProps): string {
  return `<!doctype html>\n${render(
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{brand}</title>
      </head>
      <body style={BODY}>
        <div style={CARD}>
          <div style={BRAND}>{brand}</div>
          {children}
          <div style={FOOTER}>
            {footer.map((line, i) => (
              <>
                {i > 0 ? <br /> : null}
                {line}
              </>
            ))}
          </div>
        </div>
      </body>
    </html>,
  )}`;
}

/** Plain text as HTML paragraphs: blank lines part paragraphs, single line breaks stay. */
export function Paragraphs({ text }: { text: string }) {
  return (
    <>
      {text.split(/\n{2,}/).map((paragraph) => (
        <p>
          {paragraph.split('\n').map((line, i) => (
            <>
              {i > 0 ? <br /> : null}
              {line}
            </>
          ))}
        </p>
      ))}
    </>
  );
}

/** HTML that is already safe: a tenant's template after its merge fields were escaped into it. */
export function TrustedHtml({ html }: { html: string }) {
  return <div dangerouslySetInnerHTML={{ __html: html }} />;
}

/** Renders a fragment (a part of a message that another message quotes). */
export function renderFragment(children: ComponentChildren): string {
  return render(h(Fragment, null, children));
}

/** A message that is only text (a reminder, an alert), its paragraphs in the layout. */
export function renderTextEmail(props: Omit<EmailProps, 'children'>, text: string): string {
  return renderEmail({ ...props, children: <Paragraphs text={text} /> });
}

/** Plain text as the HTML part of a message that has no layout of its own (its paragraphs, escaped). */
export function textAsHtml(text: string): string {
  return renderFragment(<Paragraphs text={text} />);
}
