// The handler with loadBalancerFullName, end to end against real HTTP servers on loopback: EC2 is
// mocked to report loopback addresses as the load balancer's private addresses, and the URL's
// host name cannot resolve (.invalid is reserved), so a request that arrives proves the handler
// connected to the private address while keeping the URL's Host header.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeNetworkInterfacesCommand, EC2Client, type NetworkInterfaceStatus } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lib/handlers/smoke-test';

const FULL_NAME = 'app/web/50dc6c495c0c9188';
const check = { path: '/health?deep=1', expectedStatus: 200, bodyMatches: '^ok$', timeoutSeconds: 1 };
const ec2 = mockClient(EC2Client);

interface Received { readonly host?: string; readonly url?: string; readonly userAgent?: string }

/** A server on `address` that records what it received and answers as the test says. */
async function startServer(address: string, port = 0) {
  const received: Received[] = [];
  const answer = { status: 200, body: 'ok', delayMs: 0 };
  const server = http.createServer((req, res) => {
    received.push({ host: req.headers.host, url: req.url, userAgent: req.headers['user-agent'] });
    setTimeout(() => res.writeHead(answer.status).end(answer.body), answer.delayMs);
  });
  await new Promise<void>((resolve) => server.listen(port, address, resolve));
  return {
    received,
    answer,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A port nothing listens on (for now) on any loopback address. */
async function unusedPort(): Promise<number> {
  const probe = await startServer('127.0.0.1');
  await probe.close();
  return probe.port;
}

function interfaces(...addresses: [NetworkInterfaceStatus, string][]) {
  ec2.on(DescribeNetworkInterfacesCommand).resolves({
    NetworkInterfaces: addresses.map(([status, address]) => ({ Status: status, PrivateIpAddress: address, Description: `ELB ${FULL_NAME}` })),
  });
}

const event = (port: number) => ({
  baseUrl: `http://internal-test.invalid:${port}`, check, service: 'web', color: 'GREEN', loadBalancerFullName: FULL_NAME,
});

let server: Awaited<ReturnType<typeof startServer>>;
let logs: string[];

beforeAll(async () => { server = await startServer('127.0.0.1'); });
afterAll(() => server.close());
beforeEach(() => {
  ec2.reset();
  server.received.length = 0;
  Object.assign(server.answer, { status: 200, body: 'ok', delayMs: 0 });
  logs = [];
  jest.spyOn(console, 'info').mockImplementation((line: string) => { logs.push(line); });
  jest.spyOn(console, 'warn').mockImplementation((line: string) => { logs.push(line); });
});
afterEach(() => jest.restoreAllMocks());

test("reaches the load balancer's private address with the URL's own Host header, path and query", async () => {
  interfaces(['available', '127.0.0.9'], ['in-use', '127.0.0.1']);
  await expect(handler(event(server.port))).resolves.toEqual({
    passed: true, url: `http://internal-test.invalid:${server.port}/health?deep=1`, status: 200,
  });
  expect(server.received).toEqual([
    { host: `internal-test.invalid:${server.port}`, url: '/health?deep=1', userAgent: 'cdk-blue-green-smoke-test' },
  ]);
  expect(ec2.commandCalls(DescribeNetworkInterfacesCommand)[0].args[0].input)
    .toEqual({ Filters: [{ Name: 'description', Values: [`ELB ${FULL_NAME}`] }] });
  expect(JSON.parse(logs[logs.length - 1])).toMatchObject({ event: 'smokeTest.passed', address: '127.0.0.1', status: 200 });
});

test('a wrong status or body through the private address fails the check, naming the URL', async () => {
  interfaces(['in-use', '127.0.0.1']);
  server.answer.status = 503;
  server.answer.body = 'down';
  await expect(handler(event(server.port))).rejects.toMatchObject({
    name: 'SmokeTestFailed',
    message: `GET http://internal-test.invalid:${server.port}/health?deep=1 on GREEN: status 503, expected 200; body starts with "down".`,
  });
  server.answer.status = 200;
  server.answer.body = 'degraded';
  await expect(handler(event(server.port))).rejects.toMatchObject({
    name: 'SmokeTestFailed', message: expect.stringContaining('the body does not match /^ok$/'),
  });
  expect(server.received).toHaveLength(2);
});

test('an address that refuses the connection is skipped for the next one', async () => {
  // Nothing listens on 127.0.0.1 at this port; the address sorted after it answers.
  const port = await unusedPort();
  const second = await startServer('127.0.0.2', port);
  try {
    interfaces(['in-use', '127.0.0.2'], ['in-use', '127.0.0.1']);
    await expect(handler(event(port))).resolves.toMatchObject({ passed: true, status: 200 });
    expect(second.received).toEqual([expect.objectContaining({ host: `internal-test.invalid:${port}` })]);
    expect(JSON.parse(logs[logs.length - 1])).toMatchObject({ event: 'smokeTest.passed', address: '127.0.0.2' });
  } finally {
    await second.close();
  }
});

test('when no address answers, SmokeTestFailed lists what each one did', async () => {
  const port = await unusedPort();
  interfaces(['in-use', '127.0.0.1'], ['in-use', '127.0.0.2']);
  await expect(handler(event(port))).rejects.toMatchObject({
    name: 'SmokeTestFailed',
    message: `GET http://internal-test.invalid:${port}/health?deep=1 on GREEN failed: no private address of the load balancer ` +
      "answered (ECONNREFUSED from 127.0.0.1, ECONNREFUSED from 127.0.0.2). Check that the test listener's security group " +
      'lets the smoke test function in, and that the instances answer on that path.',
  });
});

test('no response within the timeout throws SmokeTestFailed', async () => {
  interfaces(['in-use', '127.0.0.1']);
  server.answer.delayMs = 1500;
  await expect(handler(event(server.port))).rejects.toMatchObject({
    name: 'SmokeTestFailed',
    message: expect.stringContaining("failed: no response within 1 s (through the load balancer's private addresses 127.0.0.1)"),
  });
});

test('without an interface in use, nothing is sent and the failure says what to check', async () => {
  interfaces(['available', '127.0.0.1']);
  await expect(handler(event(server.port))).rejects.toMatchObject({
    name: 'SmokeTestFailed',
    message: expect.stringMatching(/not sent: no network interface in use has the description "ELB app\/web\/50dc6c495c0c9188".*Check that the load balancer app\/web\/50dc6c495c0c9188 exists/),
  });
  expect(server.received).toHaveLength(0);
});

test('EC2 throttling surfaces as AwsThrottled (retried by the state machine), not as a failed check', async () => {
  ec2.on(DescribeNetworkInterfacesCommand).rejects(Object.assign(new Error('Request limit exceeded.'), { name: 'RequestLimitExceeded' }));
  await expect(handler(event(server.port))).rejects.toMatchObject({ name: 'AwsThrottled' });
  expect(server.received).toHaveLength(0);
});
