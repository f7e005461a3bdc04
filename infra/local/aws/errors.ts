/**
 * Errors the stand-ins throw where AWS would answer with an error. Each carries the error code,
 * HTTP status and fault the real service uses, so the endpoint (endpoint.ts) answers exactly as
 * AWS would and the SDK in product code raises its own typed exception.
 */
export class AwsServiceError extends Error {
  constructor(
    /** The shape name the SDK maps to an exception class (`x-amzn-errortype`). */
    readonly code: string,
    message: string,
    readonly statusCode = 400,
    /** For SQS's query-compatible JSON: the legacy code (`x-amzn-query-error`). */
    readonly queryCode?: string,
  ) {
    super(message);
    this.name = code;
  }

  get fault(): 'Sender' | 'Receiver' {
    return this.statusCode >= 500 ? 'Receiver' : 'Sender';
  }
}

export class ValidationException extends AwsServiceError {
  constructor(message: string) {
    super('ValidationException', message, 400);
  }
}

export class ConflictException extends AwsServiceError {
  constructor(message: string) {
    super('ConflictException', message, 409);
  }
}

export class ResourceNotFoundException extends AwsServiceError {
  constructor(message: string) {
    super('ResourceNotFoundException', message, 404);
  }
}

export class QueueDoesNotExist extends AwsServiceError {
  constructor(queue: string) {
    super(
      'QueueDoesNotExist',
      `The specified queue ${queue} does not exist.`,
      400,
      'AWS.SimpleQueueService.NonExistentQueue',
    );
  }
}

export class InvalidParameterValue extends AwsServiceError {
  constructor(message: string) {
    super('InvalidParameterValue', message, 400, 'InvalidParameterValue');
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
