/**
 * Builds DynamoDB expressions with placeholders, so attribute names that are reserved words
 * (`status`, `name`, `owner`...) and values never need hand-written `#n`/`:v` bookkeeping.
 */
export class ExpressionBuilder {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private counter = 0;

  constructor(private readonly prefix = 'e') {}

  name(attribute: string): string {
    return attribute
      .split('.')
      .map((part) => {
        const placeholder = `#${this.prefix}${part.replace(/[^A-Za-z0-9_]/g, '_')}`;
        this.names[placeholder] = part;
        return placeholder;
      })
      .join('.');
  }

  value(value: unknown): string {
    const placeholder = `:${this.prefix}${this.counter++}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  /** Only the parts the expression used, shaped for a command input. */
  attributes(): {
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, unknown>;
  } {
    return {
      ...(Object.keys(this.names).length ? { ExpressionAttributeNames: this.names } : {}),
      ...(Object.keys(this.values).length ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}

/** A condition written by a caller, e.g. `c => `${c.name('status')} = ${c.value('open')}``. */
export type Condition = (e: ExpressionBuilder) => string;

export function and(...conditions: Array<Condition | undefined>): Condition | undefined {
  const present = conditions.filter((c): c is Condition => c !== undefined);
  if (present.length === 0) return undefined;
  return (e) => present.map((c) => `(${c(e)})`).join(' AND ');
}

export const exists: Condition = (e) => `attribute_exists(${e.name('PK')})`;
export const notExists: Condition = (e) => `attribute_not_exists(${e.name('PK')})`;
export const hasVersion =
  (version: number): Condition =>
  (e) =>
    `${e.name('version')} = ${e.value(version)}`;
