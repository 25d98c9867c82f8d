// Which private addresses of an Application Load Balancer the smoke test connects to. Pure, over
// plain data: the EC2 lookup is in load-balancer-interfaces.ts.
//
// Why: from a function in the VPC, an internet-facing load balancer's DNS name resolves to public
// addresses, so the request leaves through NAT and the test listener's security group (which
// admits only the smoke test function's security group) drops it. Its private addresses keep the
// request inside the VPC, where the security-group reference matches.

/** What the smoke test needs to know about one of the load balancer's network interfaces. */
export interface LoadBalancerInterface {
  /** EC2 network interface status: `in-use` while the load balancer node behind it serves. */
  readonly status?: string;
  readonly privateIpAddress?: string;
}

/** `app/<name>/<id>`, the load balancer's `LoadBalancerFullName` attribute. */
const FULL_NAME = /^app\/[A-Za-z0-9-]{1,32}\/[A-Za-z0-9]+$/;

/**
 * The description ELB gives every network interface of a load balancer: `ELB app/<name>/<id>`.
 * Throws when `loadBalancerFullName` is not an Application Load Balancer's full name.
 */
export function loadBalancerInterfaceDescription(loadBalancerFullName: string): string {
  if (!FULL_NAME.test(loadBalancerFullName)) {
    throw new Error(
      `loadBalancerFullName must be an Application Load Balancer's full name, app/<name>/<id> (its ` +
      `LoadBalancerFullName attribute), got ${JSON.stringify(loadBalancerFullName)}. Pass ` +
      'loadBalancer.loadBalancerFullName, or leave it out to reach the load balancer through its DNS name.',
    );
  }
  return `ELB ${loadBalancerFullName}`;
}

/**
 * The addresses to try, in order: those of interfaces in use (an interface being attached or
 * detached has no serving node behind it), each once, sorted so every invocation tries them in
 * the same order.
 */
export function privateAddressesToTry(interfaces: readonly LoadBalancerInterface[]): string[] {
  const addresses = interfaces
    .filter((i) => i.status === 'in-use' && i.privateIpAddress)
    .map((i) => i.privateIpAddress as string);
  return [...new Set(addresses)].sort(compareAddresses);
}

/** Numeric order for IPv4 (10.0.2.5 before 10.0.10.5); anything else after it, as text. */
function compareAddresses(a: string, b: string): number {
  const ka = ipv4Key(a);
  const kb = ipv4Key(b);
  if (ka !== undefined && kb !== undefined) {
    return ka - kb;
  }
  if (ka !== undefined || kb !== undefined) {
    return ka !== undefined ? -1 : 1;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function ipv4Key(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    return undefined;
  }
  return parts.reduce((key, p) => key * 256 + Number(p), 0);
}
