import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SmokeTest } from '../../lib/rollout/smoke-test';

test('http fills in the documented defaults', () => {
  expect(SmokeTest.http({ path: '/health' }).httpCheck).toEqual({
    path: '/health', expectedStatus: 200, bodyMatches: '', attempts: 3, intervalSeconds: 5, timeoutSeconds: 5,
  });
});

test('http keeps every option given', () => {
  const check = SmokeTest.http({
    path: '/status?deep=1', expectedStatus: 204, bodyMatches: '^ok$', attempts: 10,
    interval: Duration.seconds(60), timeout: Duration.seconds(30),
  }).httpCheck;
  expect(check).toEqual({ path: '/status?deep=1', expectedStatus: 204, bodyMatches: '^ok$', attempts: 10, intervalSeconds: 60, timeoutSeconds: 30 });
});

test.each([
  [{ path: 'health' }, /SmokeTest.http: path must start with "\/"/],
  [{ path: '/a b' }, /path must start with "\/" and contain no spaces/],
  [{ path: '/h', expectedStatus: 99 }, /expectedStatus must be an HTTP status code from 100 to 599, got 99/],
  [{ path: '/h', expectedStatus: 600 }, /expectedStatus must be an HTTP status code/],
  [{ path: '/h', bodyMatches: '(' }, /bodyMatches must be a valid JavaScript regular expression/],
  [{ path: '/h', attempts: 0 }, /attempts must be a whole number from 1 to 10, got 0/],
  [{ path: '/h', attempts: 11 }, /attempts must be a whole number from 1 to 10, got 11/],
  [{ path: '/h', interval: Duration.seconds(0) }, /interval must be whole seconds from 1 to 60/],
  [{ path: '/h', interval: Duration.seconds(61) }, /interval must be whole seconds from 1 to 60/],
  [{ path: '/h', timeout: Duration.millis(500) }, /timeout must be whole seconds from 1 to 30/],
  [{ path: '/h', timeout: Duration.seconds(31) }, /timeout must be whole seconds from 1 to 30/],
])('http rejects %j', (options, message) => {
  expect(() => SmokeTest.http(options)).toThrow(message);
});

test('lambda keeps the function and has no HTTP check', () => {
  const stack = new Stack(new App(), 'S');
  const fn = lambda.Function.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:us-east-1:111111111111:function:check');
  const smoke = SmokeTest.lambda(fn);
  expect(smoke.handler).toBe(fn);
  expect(smoke.httpCheck).toBeUndefined();
});
