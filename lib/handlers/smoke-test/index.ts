// HTTP smoke test, run from a Lambda function in the service's VPC against the test listener (the
// new color, no user traffic). One attempt per invocation: the state machine retries
// SmokeTestFailed with the configured interval, so waiting never burns Lambda time.
import { logEvent } from '../shared/structured-log';
import { describeLoadBalancerInterfaces, ec2Client } from './load-balancer-interfaces';
import { privateAddressesToTry } from './private-addresses';
import { getThroughAddresses, NoAddressAnswered } from './request-through-address';
import { checkResponse, type HttpCheck } from './response-check';

export interface SmokeTestEvent {
  /** http://<load balancer DNS>:<test port> */
  readonly baseUrl: string;
  readonly check: HttpCheck;
  readonly service: string;
  readonly color: string;
  /**
   * `app/<name>/<id>`: connect to this load balancer's private addresses rather than to those its
   * DNS name resolves to (public ones when it is internet-facing, which the test listener's
   * security group never admits); the URL and its Host header stay the same. Absent or empty: the
   * host name in `baseUrl` is resolved as usual.
   */
  readonly loadBalancerFullName?: string;
}

class SmokeTestFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SmokeTestFailed';
  }
}

const HEADERS = { 'user-agent': 'cdk-blue-green-smoke-test' };

export async function handler(event: SmokeTestEvent): Promise<{ passed: true; url: string; status: number }> {
  const url = `${event.baseUrl.replace(/\/+$/, '')}${event.check.path}`;
  const privateAddresses = event.loadBalancerFullName ? await loadBalancerAddresses(event, url) : undefined;
  let status: number;
  let body: string;
  let address: string | undefined;
  try {
    const signal = AbortSignal.timeout(event.check.timeoutSeconds * 1000);
    if (privateAddresses) {
      ({ status, body, address } = await getThroughAddresses(new URL(url), privateAddresses, { signal, headers: HEADERS }));
    } else {
      const response = await fetch(url, { redirect: 'manual', signal, headers: HEADERS });
      status = response.status;
      body = await response.text();
    }
  } catch (error) {
    const e = error as Error & { code?: string; cause?: { code?: string } };
    const cause = e.name === 'TimeoutError'
      ? `no response within ${event.check.timeoutSeconds} s`
      : `${e.code ?? e.cause?.code ?? e.name}: ${e.message}`;
    const detail = e instanceof NoAddressAnswered
      ? `no private address of the load balancer answered (${e.message})`
      : privateAddresses ? `${cause} (through the load balancer's private addresses ${privateAddresses.join(', ')})` : cause;
    const message = `GET ${url} on ${event.color} failed: ${detail}. Check that the test listener's security group ` +
      'lets the smoke test function in, and that the instances answer on that path.';
    logEvent('WARN', 'smokeTest.failed', { service: event.service, color: event.color, url, detail });
    throw new SmokeTestFailed(message);
  }
  const verdict = checkResponse(event.check, status, body);
  if (!verdict.passed) {
    logEvent('WARN', 'smokeTest.failed', { service: event.service, color: event.color, url, address, status, reason: verdict.reason });
    throw new SmokeTestFailed(`GET ${url} on ${event.color}: ${verdict.reason}.`);
  }
  logEvent('INFO', 'smokeTest.passed', { service: event.service, color: event.color, url, address, status });
  return { passed: true, url, status };
}

/** The load balancer's private addresses to connect to, in the order to try them. */
async function loadBalancerAddresses(event: SmokeTestEvent, url: string): Promise<string[]> {
  const fullName = event.loadBalancerFullName as string;
  const addresses = privateAddressesToTry(await describeLoadBalancerInterfaces(ec2Client(), fullName));
  if (addresses.length === 0) {
    const detail = `no network interface in use has the description "ELB ${fullName}", so the load balancer's private ` +
      'addresses are unknown';
    logEvent('WARN', 'smokeTest.failed', { service: event.service, color: event.color, url, detail });
    throw new SmokeTestFailed(
      `GET ${url} on ${event.color} not sent: ${detail}. Check that the load balancer ${fullName} exists in this ` +
      "account and region and is active (a load balancer being provisioned has none yet: the next attempt may find them).",
    );
  }
  return addresses;
}
