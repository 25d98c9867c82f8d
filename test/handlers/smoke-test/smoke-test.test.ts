import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeNetworkInterfacesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lib/handlers/smoke-test';
import { checkResponse } from '../../../lib/handlers/smoke-test/response-check';

const check = { path: '/health', expectedStatus: 200, bodyMatches: '', timeoutSeconds: 1 };

describe('checkResponse', () => {
  test('passes on the expected status and, when asked, a matching body', () => {
    expect(checkResponse(check, 200, 'anything')).toEqual({ passed: true });
    expect(checkResponse({ ...check, bodyMatches: '"status":\\s*"ok"' }, 200, '{"status": "ok"}')).toEqual({ passed: true });
  });

  test('fails on another status or a body that does not match, quoting the body', () => {
    expect(checkResponse(check, 503, 'down')).toEqual({ passed: false, reason: 'status 503, expected 200; body starts with "down"' });
    expect(checkResponse({ ...check, bodyMatches: '^ok$' }, 200, 'nope')).toEqual({
      passed: false, reason: 'status 200 as expected, but the body does not match /^ok$/; body starts with "nope"',
    });
    const long = checkResponse(check, 500, 'x'.repeat(500));
    expect(long.passed === false && long.reason).toMatch(/x{200}\.\.\."$/);
  });
});

describe('handler against a local server', () => {
  let server: http.Server;
  let baseUrl: string;
  let status = 200;
  let body = 'ok';
  let delayMs = 0;
  const paths: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      paths.push(req.url ?? '');
      setTimeout(() => res.writeHead(status).end(body), delayMs);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    status = 200; body = 'ok'; delayMs = 0;
    jest.spyOn(console, 'info').mockImplementation(() => undefined);
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  });

  test('requests the path on the base URL and passes', async () => {
    await expect(handler({ baseUrl, check, service: 'web', color: 'GREEN' }))
      .resolves.toEqual({ passed: true, url: `${baseUrl.replace(/\/$/, '')}/health`, status: 200 });
    expect(paths[paths.length - 1]).toBe('/health');
  });

  test('without loadBalancerFullName the host name is used as is and EC2 is never asked', async () => {
    const ec2 = mockClient(EC2Client);
    try {
      await expect(handler({ baseUrl, check, service: 'web', color: 'GREEN', loadBalancerFullName: '' })).resolves.toMatchObject({ passed: true });
      expect(ec2.commandCalls(DescribeNetworkInterfacesCommand)).toHaveLength(0);
    } finally {
      ec2.restore();
    }
  });

  test('a wrong status throws SmokeTestFailed naming the URL and color', async () => {
    status = 500; body = 'boom';
    await expect(handler({ baseUrl, check, service: 'web', color: 'GREEN' })).rejects.toMatchObject({
      name: 'SmokeTestFailed', message: expect.stringMatching(/GET http:\/\/127\.0\.0\.1:\d+\/health on GREEN: status 500, expected 200/),
    });
  });

  test('no answer within the timeout throws SmokeTestFailed', async () => {
    delayMs = 1500;
    await expect(handler({ baseUrl, check, service: 'web', color: 'GREEN' })).rejects.toMatchObject({
      name: 'SmokeTestFailed', message: expect.stringMatching(/no response within 1 s/),
    });
  });
});
