// The scenario language's own rules: durations, and which calls an Nth-call fault hits.
import { at, failCall, handlerThrows, healthy, parseDuration, throttle } from '../../lib/rehearsal';

test('durations are seconds or text with h, m and s', () => {
  expect(parseDuration(90)).toBe(90);
  expect(parseDuration('90s')).toBe(90);
  expect(parseDuration('7m')).toBe(420);
  expect(parseDuration('1h30m')).toBe(5400);
  expect(parseDuration('2m30s')).toBe(150);
  expect(at('1.5m', healthy('GREEN', 0)).atSeconds).toBe(90);
});

test('a malformed duration says what is allowed', () => {
  expect(() => parseDuration('7 minutes')).toThrow("'7 minutes' is not a duration. Use seconds (90) or text like '90s', '7m', '1h30m'.");
  expect(() => parseDuration(-1)).toThrow('a duration must be 0 or more seconds (got -1)');
});

test('faults default to the first matching call, once', () => {
  expect(throttle('ModifyRule')).toMatchObject({ operation: 'ModifyRule', nth: 1, times: 1, throttling: true });
  expect(failCall('PutItem', 'InternalServerError', { nth: 3, times: 2 })).toMatchObject({ nth: 3, times: 2, errorName: 'InternalServerError', throttling: false });
  expect(handlerThrows('checkAlarms', { nth: 2 })).toMatchObject({ target: 'checkAlarms', nth: 2, times: 1, errorType: 'Error' });
});
