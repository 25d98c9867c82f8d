// Named errors. Step Functions matches Retry and Catch on the error name (the Lambda runtime
// reports `error.name` as the errorType), so every name here is part of the state machine contract:
// RETRYABLE_ERRORS are retried with backoff before they count as failures; all others go to the
// rollback path (or, before the lock is held, straight to a failed execution).

export const RETRYABLE_ERRORS = ['AwsThrottled', 'AwsUnavailable'] as const;

/** Base class: sets `name` so the state machine sees a stable error name. */
export class RolloutError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** The execution input is not `{ from, to, reason }` with two different colors. */
export class InvalidRolloutInput extends RolloutError {
  constructor(message: string) {
    super('InvalidRolloutInput', message);
  }
}

/** Another rollout of the same service holds the lock (invariant 5), or the start is unsafe. */
export class RolloutRefused extends RolloutError {
  constructor(message: string) {
    super('RolloutRefused', message);
  }
}

/** The new color did not reach its healthy target count in time. */
export class HealthGateTimeout extends RolloutError {
  constructor(message: string) {
    super('HealthGateTimeout', message);
  }
}

/** The new color lost healthy targets before a weight increase (invariant 1). */
export class TargetsUnhealthy extends RolloutError {
  constructor(message: string) {
    super('TargetsUnhealthy', message);
  }
}

/** The smoke test failed (retried by the state machine up to the configured attempts). */
export class SmokeTestFailed extends RolloutError {
  constructor(message: string) {
    super('SmokeTestFailed', message);
  }
}

/** The weights read back from the rule differ from those just written (retried briefly). */
export class WeightsNotApplied extends RolloutError {
  constructor(message: string) {
    super('WeightsNotApplied', message);
  }
}

/** A watched alarm breached during a bake. */
export class AlarmBreach extends RolloutError {
  constructor(message: string) {
    super('AlarmBreach', message);
  }
}

/** Someone asked for the running rollout to stop (state table flag). */
export class RolloutAborted extends RolloutError {
  constructor(message: string) {
    super('RolloutAborted', message);
  }
}

/** An AWS API throttled us even after the SDK's own retries; the state machine retries later. */
export class AwsThrottled extends RolloutError {
  constructor(message: string) {
    super('AwsThrottled', message);
  }
}

/** An AWS API answered with a server-side error (5XX); the state machine retries later. */
export class AwsUnavailable extends RolloutError {
  constructor(message: string) {
    super('AwsUnavailable', message);
  }
}

const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);

/**
 * Translates AWS SDK throttling and server errors into the names the state machine retries;
 * every other error is returned unchanged. `call` names the API for the message.
 */
export function classifyAwsError(error: unknown, call: string): unknown {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; $fault?: string };
  if (!e || typeof e !== 'object' || error instanceof RolloutError) {
    return error;
  }
  if ((e.name && THROTTLING_NAMES.has(e.name)) || e.$metadata?.httpStatusCode === 429) {
    return new AwsThrottled(`${call} was throttled (${e.name}: ${e.message}); retrying with backoff.`);
  }
  if (e.$fault === 'server' || (e.$metadata?.httpStatusCode ?? 0) >= 500) {
    return new AwsUnavailable(`${call} failed on the AWS side (${e.name}: ${e.message}); retrying with backoff.`);
  }
  return error;
}

/** Runs one AWS call, translating throttling and server errors (see {@link classifyAwsError}). */
export async function awsCall<T>(call: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw classifyAwsError(error, call);
  }
}
