import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** Options for `SmokeTest.http`. */
export interface HttpSmokeTestOptions {
  /**
   * Path requested on the new color through the test listener, starting with `/`
   * (a query string is allowed).
   */
  readonly path: string;

  /**
   * HTTP status the response must have.
   *
   * @default 200
   */
  readonly expectedStatus?: number;

  /**
   * A regular expression (JavaScript syntax) the response body must match.
   *
   * @default - the body is not checked
   */
  readonly bodyMatches?: string;

  /**
   * How many times the request is tried before the smoke test fails (a freshly healthy instance
   * sometimes needs a moment). From 1 to 10.
   *
   * @default 3
   */
  readonly attempts?: number;

  /**
   * Pause between two attempts. From 1 to 60 seconds.
   *
   * @default Duration.seconds(5)
   */
  readonly interval?: Duration;

  /**
   * Time allowed for one request (connect, headers and body). From 1 to 30 seconds.
   *
   * @default Duration.seconds(5)
   */
  readonly timeout?: Duration;
}

/** The HTTP check as plain data, validated (what the smoke-test handler receives). */
export interface HttpSmokeCheck {
  /** Path requested through the test listener. */
  readonly path: string;
  /** Expected HTTP status. */
  readonly expectedStatus: number;
  /** Regular expression the body must match; empty string when the body is not checked. */
  readonly bodyMatches: string;
  /** Number of attempts. */
  readonly attempts: number;
  /** Seconds between attempts. */
  readonly intervalSeconds: number;
  /** Seconds allowed per request. */
  readonly timeoutSeconds: number;
}

/**
 * A check the new color must pass before any user traffic reaches it. It runs after the health
 * gate; a failure ends the rollout with no weight moved.
 */
export class SmokeTest {
  /**
   * Request a path on the new color through the test listener (no user traffic goes there), from a
   * Lambda function in the service's VPC, and check the status and, optionally, the body.
   */
  public static http(options: HttpSmokeTestOptions): SmokeTest {
    return new SmokeTest(validateHttp(options), undefined);
  }

  /**
   * Run your own Lambda function. It passes by returning normally, and fails by throwing or by
   * returning `{ "passed": false, "reason": "..." }`. It receives
   * `{ "service", "color", "testUrl", "reason" }` (`testUrl` is empty when the service has no test
   * listener URL) and gets 5 minutes at most, whatever its own timeout.
   */
  public static lambda(handler: lambda.IFunction): SmokeTest {
    return new SmokeTest(undefined, handler);
  }

  /** The HTTP check, when this is an HTTP smoke test. */
  public readonly httpCheck?: HttpSmokeCheck;

  /** Your function, when this is a Lambda smoke test. */
  public readonly handler?: lambda.IFunction;

  private constructor(httpCheck: HttpSmokeCheck | undefined, handler: lambda.IFunction | undefined) {
    this.httpCheck = httpCheck;
    this.handler = handler;
  }
}

function validateHttp(options: HttpSmokeTestOptions): HttpSmokeCheck {
  const where = 'SmokeTest.http';
  if (typeof options.path !== 'string' || !options.path.startsWith('/') || /\s/.test(options.path)) {
    throw new Error(
      `${where}: path must start with "/" and contain no spaces (URL-encode them as %20), got ${JSON.stringify(options.path)}. ` +
      'For example "/health".',
    );
  }
  const expectedStatus = options.expectedStatus ?? 200;
  if (!Number.isInteger(expectedStatus) || expectedStatus < 100 || expectedStatus > 599) {
    throw new Error(`${where}: expectedStatus must be an HTTP status code from 100 to 599, got ${expectedStatus}.`);
  }
  const bodyMatches = options.bodyMatches ?? '';
  try {
    new RegExp(bodyMatches);
  } catch (error) {
    throw new Error(
      `${where}: bodyMatches must be a valid JavaScript regular expression, got ${JSON.stringify(bodyMatches)} ` +
      `(${(error as Error).message}). Escape special characters, e.g. "\\\\(ok\\\\)" to match "(ok)".`,
      { cause: error },
    );
  }
  const attempts = options.attempts ?? 3;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 10) {
    throw new Error(`${where}: attempts must be a whole number from 1 to 10, got ${attempts}.`);
  }
  const intervalSeconds = wholeSeconds(where, 'interval', options.interval ?? Duration.seconds(5), 1, 60);
  const timeoutSeconds = wholeSeconds(where, 'timeout', options.timeout ?? Duration.seconds(5), 1, 30);
  return { path: options.path, expectedStatus, bodyMatches, attempts, intervalSeconds, timeoutSeconds };
}

function wholeSeconds(where: string, name: string, value: Duration, min: number, max: number): number {
  if (value.isUnresolved()) {
    throw new Error(`${where}: ${name} must be a concrete duration, not a token.`);
  }
  const ms = value.toMilliseconds();
  if (ms % 1000 !== 0 || ms < min * 1000 || ms > max * 1000) {
    throw new Error(
      `${where}: ${name} must be whole seconds from ${min} to ${max}, got ${value.toHumanString()}.`,
    );
  }
  return ms / 1000;
}
