import { DomainError } from '../platform/errors.ts';

/** An analysis asked for before it first ran: 404, saying how to run it now. */
export class NotComputedError extends DomainError {
  readonly kind = 'not_found';
  constructor(message: string, analysis: string) {
    super(
      `${message} It runs daily; POST /v1/analytics/runs with {"analyses":["${analysis}"]} starts one now.`,
      { analysis },
    );
  }
}
