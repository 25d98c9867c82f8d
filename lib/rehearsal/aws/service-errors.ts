// Errors shaped like the ones the AWS SDK v3 throws (class, name, $fault, $metadata), so handler
// code that inspects `error.name`, uses `instanceof`, or classifies throttling behaves as in AWS.

/** The exports of an @aws-sdk/client-* module (its exception classes live there). */
export type ClientModule = Record<string, any>;

let requestCounter = 0;

export function serviceError(
  module: ClientModule,
  serviceExceptionName: string,
  name: string,
  message: string,
  options: { readonly httpStatusCode?: number; readonly throttling?: boolean; readonly fault?: 'client' | 'server' } = {},
): Error {
  const $metadata = {
    httpStatusCode: options.httpStatusCode ?? 400,
    requestId: `rehearsal-${++requestCounter}`,
    attempts: 1,
    totalRetryDelay: 0,
  };
  const Modeled = module[name];
  const Base = module[serviceExceptionName];
  let error: any;
  if (typeof Modeled === 'function' && Modeled.prototype instanceof Error) {
    error = new Modeled({ message, $metadata });
  } else if (typeof Base === 'function') {
    error = new Base({ name, message, $fault: options.fault ?? 'client', $metadata });
  } else {
    error = Object.assign(new Error(message), { name, $fault: options.fault ?? 'client', $metadata });
  }
  if (options.throttling) {
    error.$retryable = { throttling: true };
  }
  return error;
}

/** Thrown for any API call the model does not implement: a rehearsal never guesses an answer. */
export class NotModelledError extends Error {
  constructor(service: string, command: string, detail?: string) {
    super(
      `rehearsal: ${service} ${command}${detail ? ` (${detail})` : ''} is not modelled, so the rehearsal cannot ` +
      'answer it. Add it to the in-memory model under lib/rehearsal/aws/ (or avoid the call).',
    );
    this.name = 'RehearsalNotModelled';
  }
}
