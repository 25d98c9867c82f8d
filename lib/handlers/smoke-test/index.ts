// HTTP smoke test, run from a Lambda function in the service's VPC against the test listener (the
// new color, no user traffic). One attempt per invocation: the state machine retries
// SmokeTestFailed with the configured interval, so waiting never burns Lambda time.
import { logEvent } from '../shared/structured-log';
import { checkResponse, type HttpCheck } from './response-check';

export interface SmokeTestEvent {
  /** http://<load balancer DNS>:<test port> */
  readonly baseUrl: string;
  readonly check: HttpCheck;
  readonly service: string;
  readonly color: string;
}

class SmokeTestFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SmokeTestFailed';
  }
}

export async function handler(event: SmokeTestEvent): Promise<{ passed: true; url: string; status: number }> {
  const url = `${event.baseUrl.replace(/\/+$/, '')}${event.check.path}`;
  let status: number;
  let body: string;
  try {
    const response = await fetch(url, {
      redirect: 'manual',
      signal: AbortSignal.timeout(event.check.timeoutSeconds * 1000),
      headers: { 'user-agent': 'cdk-blue-green-smoke-test' },
    });
    status = response.status;
    body = await response.text();
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    const detail = e.name === 'TimeoutError'
      ? `no response within ${event.check.timeoutSeconds} s`
      : `${e.cause?.code ?? e.name}: ${e.message}`;
    const message = `GET ${url} on ${event.color} failed: ${detail}. Check that the test listener's security group ` +
      'lets the smoke test function in, and that the instances answer on that path.';
    logEvent('WARN', 'smokeTest.failed', { service: event.service, color: event.color, url, detail });
    throw new SmokeTestFailed(message);
  }
  const verdict = checkResponse(event.check, status, body);
  if (!verdict.passed) {
    logEvent('WARN', 'smokeTest.failed', { service: event.service, color: event.color, url, status, reason: verdict.reason });
    throw new SmokeTestFailed(`GET ${url} on ${event.color}: ${verdict.reason}.`);
  }
  logEvent('INFO', 'smokeTest.passed', { service: event.service, color: event.color, url, status });
  return { passed: true, url, status };
}
