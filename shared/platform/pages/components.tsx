import type { ComponentChildren } from 'preact';

/**
 * Small parts the pages share, so that a notice, a field or a list of problems looks and reads
 * the same on every page.
 */

/** A page that only says something: a link that expired, a thank-you, an error. */
export function Notice({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <>
      <h1>{title}</h1>
      {children}
    </>
  );
}

/** Text with its line breaks kept (an intro written by the tenant, a note). */
export function Lines({ text }: { text: string }) {
  const lines = text.split('\n');
  return (
    <>
      {lines.map((line, i) => (
        <>
          {i > 0 ? <br /> : null}
          {line}
        </>
      ))}
    </>
  );
}

export interface ProblemLink {
  /** The id of the element the problem is about. */
  target: string;
  label: string;
  message: string;
}

/** The problems of a submitted form, listed at the top, each linking to its field. */
export function ErrorSummary({ title, problems }: { title: string; problems: ProblemLink[] }) {
  if (problems.length === 0) return null;
  return (
    <div class="summary" role="alert" aria-labelledby="summary-title">
      <h2 id="summary-title">{title}</h2>
      <ul>
        {problems.map((p) => (
          <li>
            <a href={`#${p.target}`}>{p.label}</a>: {p.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

export interface TextFieldProps {
  name: string;
  label: string;
  value: string;
  type?: 'text' | 'email' | 'tel';
  autocomplete?: string;
  error?: string | undefined;
}

/** A labelled input, its error (if any) announced with it. */
export function TextField({ name, label, value, type = 'text', autocomplete, error }: TextFieldProps) {
  const errorId = `error-${name}`;
  return (
    <>
      <label for={name}>{label}</label>
      {error ? (
        <p class="error" id={errorId}>
          {error}
        </p>
      ) : null}
      <input
        // Preact's input types are a union per type; any of these three takes the same attributes.
        type={type as 'text'}
        id={name}
        name={name}
        value={value}
        autocomplete={autocomplete}
        class={error ? 'invalid' : undefined}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? errorId : undefined}
      />
    </>
  );
}
