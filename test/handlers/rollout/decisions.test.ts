// Pure decision modules of the rollout handler, on plain data, without mocks.
import * as fc from 'fast-check';
import { describeBreaches, isBreach, judgeAlarms, type ObservedAlarm } from '../../../lib/handlers/rollout/alarm-judgement';
import { bakeProgress, pollsForBake } from '../../../lib/handlers/rollout/bake-progress';
import { classifyAwsError } from '../../../lib/handlers/rollout/errors';
import { decideHealthGate, requiredHealthyTargets } from '../../../lib/handlers/rollout/health-gate';
import { formatRollbackCause, messageOfCause } from '../../../lib/handlers/rollout/rollback-cause';
import { parseRolloutInput } from '../../../lib/handlers/rollout/rollout-input';
import { decideLock } from '../../../lib/handlers/rollout/rollout-lock';
import { decideStart } from '../../../lib/handlers/rollout/start-check';
import { rollbackWeights, weightsForStep, weightsMatch } from '../../../lib/handlers/rollout/step-weights';

describe('step weights', () => {
  test('the new color gets the step percentage, the old one the rest', () => {
    expect(weightsForStep('BLUE', 'GREEN', 10)).toEqual({ BLUE: 90, GREEN: 10 });
    expect(weightsForStep('GREEN', 'BLUE', 10)).toEqual({ BLUE: 10, GREEN: 90 });
    expect(weightsForStep('BLUE', 'GREEN', 100)).toEqual({ BLUE: 0, GREEN: 100 });
  });

  test('weights always sum to 100 (invariant 1)', () => {
    fc.assert(fc.property(fc.constantFrom('BLUE' as const, 'GREEN' as const), fc.integer({ min: 0, max: 100 }), (from, percent) => {
      const to = from === 'BLUE' ? 'GREEN' : 'BLUE';
      const w = weightsForStep(from, to, percent);
      return w.BLUE + w.GREEN === 100 && w[to] === percent;
    }));
  });

  test('a percentage outside 0-100 is refused', () => {
    expect(() => weightsForStep('BLUE', 'GREEN', 101)).toThrow(/from 0 to 100, got 101/);
    expect(() => weightsForStep('BLUE', 'GREEN', 2.5)).toThrow(/whole number/);
  });

  test('rollback puts everything on from', () => {
    expect(rollbackWeights('BLUE')).toEqual({ BLUE: 100, GREEN: 0 });
    expect(rollbackWeights('GREEN')).toEqual({ BLUE: 0, GREEN: 100 });
  });

  test('weights match only when both colors match', () => {
    expect(weightsMatch({ BLUE: 90, GREEN: 10 }, { BLUE: 90, GREEN: 10 })).toBe(true);
    expect(weightsMatch({ BLUE: 100, GREEN: 0 }, { BLUE: 90, GREEN: 10 })).toBe(false);
    expect(weightsMatch(undefined, { BLUE: 90, GREEN: 10 })).toBe(false);
  });
});

describe('bake progress', () => {
  test('polls cover the bake, rounding up', () => {
    expect(pollsForBake(300, 10)).toBe(30);
    expect(pollsForBake(305, 10)).toBe(31);
    expect(pollsForBake(0, 10)).toBe(0);
    expect(() => pollsForBake(300, 0)).toThrow(/poll interval must be positive/);
  });

  test('elapsed time comes from the poll number, and the last poll completes the bake', () => {
    expect(bakeProgress(1, 10, 300)).toEqual({ elapsedSeconds: 10, bakeSeconds: 300, done: false });
    expect(bakeProgress(29, 10, 300).done).toBe(false);
    expect(bakeProgress(30, 10, 300)).toEqual({ elapsedSeconds: 300, bakeSeconds: 300, done: true });
  });
});

describe('alarm judgement', () => {
  const alarm = (name: string, state: ObservedAlarm['state']): ObservedAlarm =>
    ({ name, state, reason: `${name} reason`, updatedAt: '2026-01-01T00:07:00.000Z' });

  test('ALARM is always a breach; INSUFFICIENT_DATA only under the BREACH policy; OK never', () => {
    expect(isBreach('ALARM', 'OK')).toBe(true);
    expect(isBreach('ALARM', 'BREACH')).toBe(true);
    expect(isBreach('INSUFFICIENT_DATA', 'OK')).toBe(false);
    expect(isBreach('INSUFFICIENT_DATA', 'BREACH')).toBe(true);
    expect(isBreach('OK', 'BREACH')).toBe(false);
  });

  test('reports breaching and missing alarms, and ignores alarms it does not watch', () => {
    const judgement = judgeAlarms(['a', 'b', 'gone'], [alarm('a', 'ALARM'), alarm('b', 'OK'), alarm('other', 'ALARM')], 'OK');
    expect(judgement.breaches.map((a) => a.name)).toEqual(['a']);
    expect(judgement.missing).toEqual(['gone']);
    expect(describeBreaches(judgement)).toBe(
      'alarm "a" is ALARM since 2026-01-01T00:07:00.000Z: a reason; alarm "gone" does not exist (deleted or renamed outside the stack)');
  });

  test('says when INSUFFICIENT_DATA counted because of the policy', () => {
    const judgement = judgeAlarms(['a'], [alarm('a', 'INSUFFICIENT_DATA')], 'BREACH');
    expect(describeBreaches(judgement)).toMatch(/INSUFFICIENT_DATA .*insufficientData policy is TREAT_AS_BREACH/);
  });
});

describe('health gate', () => {
  const base = { required: 2, intervalSeconds: 10, timeoutSeconds: 60 };

  test('ready as soon as enough targets are healthy', () => {
    expect(decideHealthGate({ ...base, healthy: 2, attempt: 0 })).toEqual({ kind: 'READY' });
    expect(decideHealthGate({ ...base, healthy: 3, attempt: 5 })).toEqual({ kind: 'READY' });
  });

  test('waits while the next check still fits in the timeout, then times out', () => {
    expect(decideHealthGate({ ...base, healthy: 1, attempt: 0 })).toEqual({ kind: 'WAIT', nextAttempt: 1 });
    expect(decideHealthGate({ ...base, healthy: 1, attempt: 5 })).toEqual({ kind: 'WAIT', nextAttempt: 6 });
    expect(decideHealthGate({ ...base, healthy: 1, attempt: 6 })).toEqual({ kind: 'TIMEOUT', waitedSeconds: 60 });
  });

  test('a zero timeout checks once', () => {
    expect(decideHealthGate({ ...base, timeoutSeconds: 0, healthy: 0, attempt: 0 })).toEqual({ kind: 'TIMEOUT', waitedSeconds: 0 });
  });

  test('the requirement is the configured minimum or the larger desired capacity', () => {
    expect(requiredHealthyTargets(2, 5)).toBe(5);
    expect(requiredHealthyTargets(2, 1)).toBe(2);
    expect(requiredHealthyTargets(2, undefined)).toBe(2);
  });

  test('never ready with zero required targets (no color without healthy targets)', () => {
    expect(decideHealthGate({ ...base, required: 0, healthy: 0, attempt: 0 }).kind).toBe('WAIT');
  });
});

describe('lock', () => {
  const holder = { executionId: 'arn:exec:other', acquiredAt: '2026-01-01T00:00:00Z', reason: 'release v2' };

  test('free lock is acquired; our own lock is kept (a retried task)', () => {
    expect(decideLock('web', 'arn:exec:me', undefined)).toEqual({ kind: 'ACQUIRE' });
    expect(decideLock('web', 'arn:exec:other', holder)).toEqual({ kind: 'HELD_BY_US' });
  });

  test('a holder whose execution ended (stopped, timed out, gone) is taken over; a running or redriven one is not', () => {
    for (const status of ['ABORTED', 'TIMED_OUT', 'FAILED', 'SUCCEEDED', 'NOT_FOUND'] as const) {
      expect(decideLock('web', 'arn:exec:me', holder, status)).toEqual({ kind: 'TAKE_OVER', staleExecutionId: 'arn:exec:other', status });
    }
    expect(decideLock('web', 'arn:exec:me', holder, 'RUNNING').kind).toBe('REFUSE');
    expect(decideLock('web', 'arn:exec:me', holder, 'PENDING_REDRIVE').kind).toBe('REFUSE');
  });

  test('another holder is refused with its execution, start time and reason', () => {
    const decision = decideLock('web', 'arn:exec:me', holder);
    expect(decision.kind).toBe('REFUSE');
    expect(decision.kind === 'REFUSE' && decision.message).toMatch(
      /Another rollout of web is running \(execution arn:exec:other, started 2026-01-01T00:00:00Z, reason: release v2\)/);
  });
});

describe('start check', () => {
  test('starts when from serves traffic and to is not already live', () => {
    expect(decideStart('web', 'BLUE', 'GREEN', { BLUE: 100, GREEN: 0 })).toEqual({ kind: 'START' });
    expect(decideStart('web', 'BLUE', 'GREEN', { BLUE: 50, GREEN: 50 })).toEqual({ kind: 'START' });
  });

  test('refuses when to is already live, or from serves nothing (it would be a cold fallback)', () => {
    expect(decideStart('web', 'BLUE', 'GREEN', { BLUE: 0, GREEN: 100 })).toMatchObject({ kind: 'REFUSE', message: expect.stringMatching(/GREEN already serves 100%/) });
    expect(decideStart('web', 'GREEN', 'BLUE', { BLUE: 100, GREEN: 0 })).toMatchObject({ kind: 'REFUSE', message: expect.stringMatching(/BLUE already serves 100%/) });
    // A rule edited by hand to send nothing anywhere: BLUE is no safe fallback.
    expect(decideStart('web', 'BLUE', 'GREEN', { BLUE: 0, GREEN: 0 })).toMatchObject({ kind: 'REFUSE', message: expect.stringMatching(/BLUE serves no traffic of web/) });
  });
});

describe('rollout input', () => {
  test('accepts from, to, reason and an optional requestedBy', () => {
    expect(parseRolloutInput({ from: 'BLUE', to: 'GREEN', reason: 'v2' })).toEqual({ from: 'BLUE', to: 'GREEN', reason: 'v2', requestedBy: 'unknown' });
    expect(parseRolloutInput({ from: 'GREEN', to: 'BLUE', reason: 'v2', requestedBy: 'cli:ana' }).requestedBy).toBe('cli:ana');
  });

  test.each([
    [null, /must be a JSON object/],
    [{ from: 'BLUE', to: 'BLUE', reason: 'x' }, /from = to = BLUE/],
    [{ from: 'blue', to: 'GREEN', reason: 'x' }, /field "from" must be "BLUE" or "GREEN", got "blue"/],
    [{ from: 'BLUE', reason: 'x' }, /field "to" must be "BLUE" or "GREEN", got undefined/],
    [{ from: 'BLUE', to: 'GREEN' }, /field "reason" must be a non-empty string/],
    [{ from: 'BLUE', to: 'GREEN', reason: 'x', requestedBy: 3 }, /field "requestedBy" must be a string/],
  ])('rejects %j', (input, message) => {
    expect(() => parseRolloutInput(input)).toThrow(message);
    expect(() => parseRolloutInput(input)).toThrow(expect.objectContaining({ name: 'InvalidRolloutInput' }));
  });
});

describe('rollback cause', () => {
  test('reads the message from the Lambda error document or from "Name: message"', () => {
    expect(messageOfCause({ Error: 'AlarmBreach', Cause: JSON.stringify({ errorType: 'AlarmBreach', errorMessage: 'alarm "x" is ALARM', trace: [] }) }))
      .toBe('alarm "x" is ALARM');
    expect(messageOfCause({ Error: 'AlarmBreach', Cause: 'AlarmBreach: alarm "x" is ALARM' })).toBe('alarm "x" is ALARM');
    expect(messageOfCause({ Error: 'States.Timeout', Cause: 'task timed out' })).toBe('task timed out');
    expect(messageOfCause({})).toBe('no cause was recorded');
  });

  test('says which step, what failed, where traffic is now and what to do', () => {
    const cause = formatRollbackCause({
      service: 'web', from: 'BLUE', to: 'GREEN',
      failure: { Error: 'AlarmBreach', Cause: 'AlarmBreach: alarm "web-5xx" is ALARM since 12:07' },
      position: { stepIndex: 2, stepCount: 3, percent: 50 },
      restored: { BLUE: 100, GREEN: 0 },
    });
    expect(cause).toBe(
      'Rollout of web from BLUE to GREEN failed at step 2 of 3 (50% on GREEN): AlarmBreach: alarm "web-5xx" is ALARM since 12:07 ' +
      'Traffic is back on BLUE (read back: BLUE 100% / GREEN 0%). Look at the alarm and the new color\'s logs and metrics ' +
      'around that time, fix the cause, then deploy again.');
  });

  test('before any weight moved it says so', () => {
    const cause = formatRollbackCause({
      service: 'web', from: 'GREEN', to: 'BLUE', failure: { Error: 'HealthGateTimeout', Cause: 'BLUE had 0 of 2' },
      position: { stepIndex: 0, stepCount: 3, percent: 0 }, restored: { BLUE: 0, GREEN: 100 },
    });
    expect(cause).toMatch(/failed before any traffic moved to BLUE: HealthGateTimeout: BLUE had 0 of 2/);
  });
});

describe('AWS error classification', () => {
  test('throttling and server errors get the names the state machine retries', () => {
    expect(classifyAwsError(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }), 'x:Y'))
      .toMatchObject({ name: 'AwsThrottled', message: expect.stringMatching(/x:Y was throttled \(ThrottlingException: Rate exceeded\)/) });
    expect(classifyAwsError(Object.assign(new Error('slow'), { name: 'Whatever', $metadata: { httpStatusCode: 429 } }), 'x:Y'))
      .toMatchObject({ name: 'AwsThrottled' });
    expect(classifyAwsError(Object.assign(new Error('boom'), { name: 'InternalFailure', $fault: 'server' }), 'x:Y'))
      .toMatchObject({ name: 'AwsUnavailable' });
  });

  test('other errors pass through unchanged', () => {
    const denied = Object.assign(new Error('no'), { name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } });
    expect(classifyAwsError(denied, 'x:Y')).toBe(denied);
  });
});
