// What each rollout event says, built from plain data (no AWS, no mocks).
import {
  alarmsNamedIn, healthGatePassed, rolledBack, rollbackStarted, rolloutRefused, rolloutStarted, rolloutSucceeded,
  type RolloutEventContext, smokeTestPassed, stateMachineArnOf, weightsShifted,
} from '../../../lib/handlers/rollout/rollout-events';

const EXECUTION_ARN = 'arn:aws:states:eu-west-1:123456789012:execution:WebRollout1A2B:run-7';
const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:WebRollout1A2B';
const AT = new Date('2026-03-01T10:00:00.000Z');
const context: RolloutEventContext = {
  service: 'Web',
  execution: { id: EXECUTION_ARN, name: 'run-7' },
  input: { from: 'BLUE', to: 'GREEN', reason: 'release v2', requestedBy: 'cli:ana' },
  at: AT,
};
const COMMON = {
  service: 'Web', executionId: EXECUTION_ARN, executionName: 'run-7',
  from: 'BLUE', to: 'GREEN', reason: 'release v2', requestedBy: 'cli:ana',
};

function detailOf(entry: { Detail: string }): Record<string, unknown> {
  return JSON.parse(entry.Detail);
}

test('every entry has the source, the time, and the state machine and execution as resources (default bus: no EventBusName)', () => {
  const entry = rolloutStarted(context, [{ percent: 10, bakeSeconds: 300 }, { percent: 100, bakeSeconds: 60 }]);
  expect(entry).toEqual({
    Source: 'cdk-blue-green',
    DetailType: 'Blue-Green Rollout Started',
    Detail: expect.any(String),
    Resources: [STATE_MACHINE_ARN, EXECUTION_ARN],
    Time: AT,
  });
  expect(entry).not.toHaveProperty('EventBusName');
  expect(detailOf(entry)).toEqual({ ...COMMON, plan: [{ percent: 10, bakeSeconds: 300 }, { percent: 100, bakeSeconds: 60 }] });
});

test('a refused rollout says why; with an invalid input it cannot name from and to', () => {
  const refusal = { name: 'RolloutRefused', message: 'Another rollout of Web is running (execution arn:other)' };
  expect(detailOf(rolloutRefused(context, refusal))).toEqual({ ...COMMON, error: 'RolloutRefused', cause: refusal.message });
  const invalid = rolloutRefused({ ...context, input: undefined }, { name: 'InvalidRolloutInput', message: 'bad input' });
  expect(invalid.DetailType).toBe('Blue-Green Rollout Refused');
  expect(detailOf(invalid)).toEqual({
    service: 'Web', executionId: EXECUTION_ARN, executionName: 'run-7', error: 'InvalidRolloutInput', cause: 'bad input',
  });
});

test('gates report what they observed', () => {
  const health = healthGatePassed(context, { healthy: 3, required: 2 });
  expect(health.DetailType).toBe('Blue-Green Health Gate Passed');
  expect(detailOf(health)).toEqual({ ...COMMON, healthyTargets: 3, requiredHealthyTargets: 2 });
  const smoke = smokeTestPassed(context, 'HTTP', 'GET http://lb:8080/health answered 200');
  expect(smoke.DetailType).toBe('Blue-Green Smoke Test Passed');
  expect(detailOf(smoke)).toEqual({ ...COMMON, smokeTest: 'HTTP', observed: 'GET http://lb:8080/health answered 200' });
});

test('a shifted step names the step and its weights; success names the live color', () => {
  const shifted = weightsShifted(context, { index: 2, count: 3, percent: 50 }, { BLUE: 50, GREEN: 50 });
  expect(shifted.DetailType).toBe('Blue-Green Weights Shifted');
  expect(detailOf(shifted)).toEqual({ ...COMMON, step: { index: 2, count: 3, percent: 50 }, weights: { BLUE: 50, GREEN: 50 } });
  const succeeded = rolloutSucceeded(context, 'GREEN');
  expect(succeeded.DetailType).toBe('Blue-Green Rollout Succeeded');
  expect(detailOf(succeeded)).toEqual({ ...COMMON, liveColor: 'GREEN' });
});

describe('rollback events', () => {
  const alarmBreach = {
    failure: {
      Error: 'AlarmBreach',
      Cause: JSON.stringify({ errorType: 'AlarmBreach', errorMessage: 'alarm "web-green-health" is ALARM since 10:07: Threshold Crossed (seen at step 2 of 3 (50% on GREEN), 70 s into a 300 s bake).' }),
    },
    position: { stepIndex: 2, stepCount: 3, percent: 50 },
    watchedAlarms: ['checkout-errors', 'web-blue-health', 'web-green-health'],
  };

  test('rollback started names the step, the check, the alarm and what was observed', () => {
    const entry = rollbackStarted(context, alarmBreach);
    expect(entry.DetailType).toBe('Blue-Green Rollback Started');
    expect(detailOf(entry)).toEqual({
      ...COMMON,
      error: 'AlarmBreach',
      cause: 'alarm "web-green-health" is ALARM since 10:07: Threshold Crossed (seen at step 2 of 3 (50% on GREEN), 70 s into a 300 s bake).',
      step: { index: 2, count: 3, percent: 50 },
      alarm: 'web-green-health',
      alarms: ['web-green-health'],
    });
  });

  test('rolled back reports the weights read back, whether traffic had moved, and the cause the execution fails with', () => {
    const entry = rolledBack(context, alarmBreach, { weights: { BLUE: 100, GREEN: 0 }, cause: 'Rollout of Web ... failed', trafficMoved: true });
    expect(entry.DetailType).toBe('Blue-Green Rollout Rolled Back');
    expect(detailOf(entry)).toMatchObject({
      error: 'AlarmBreach', cause: 'Rollout of Web ... failed', step: { index: 2, count: 3, percent: 50 },
      alarm: 'web-green-health', weights: { BLUE: 100, GREEN: 0 }, trafficMoved: true,
    });
  });

  test('a failure before any traffic moved has no step and, without an alarm, no alarm fields', () => {
    const detail = detailOf(rollbackStarted(context, {
      failure: { Error: 'HealthGateTimeout', Cause: 'HealthGateTimeout: GREEN had 1 healthy target(s) of the 2 required' },
      position: { stepIndex: 0, stepCount: 3, percent: 0 },
      watchedAlarms: ['web-green-health'],
    }));
    expect(detail).toEqual({ ...COMMON, error: 'HealthGateTimeout', cause: 'GREEN had 1 healthy target(s) of the 2 required' });
  });
});

test('alarmsNamedIn reports only watched alarms quoted in the message, each once, in watch order', () => {
  const message = 'alarm "web-5xx-high" is ALARM since t: x; alarm "user-latency" does not exist (deleted or renamed outside the stack)';
  // "web-5xx" is a prefix of a breaching alarm's name, but not itself named: it must not be reported.
  expect(alarmsNamedIn(message, ['web-5xx', 'user-latency', 'web-5xx-high', 'user-latency'])).toEqual(['user-latency', 'web-5xx-high']);
  expect(alarmsNamedIn('TargetsUnhealthy: GREEN had 0 healthy targets', ['web-5xx'])).toEqual([]);
});

test('stateMachineArnOf derives the state machine from a standard execution ARN, in any partition', () => {
  expect(stateMachineArnOf(EXECUTION_ARN)).toBe(STATE_MACHINE_ARN);
  expect(stateMachineArnOf('arn:aws-cn:states:cn-north-1:1:execution:M:e')).toBe('arn:aws-cn:states:cn-north-1:1:stateMachine:M');
  expect(stateMachineArnOf('run-7')).toBeUndefined();
  expect(rolloutStarted({ ...context, execution: { id: 'local-run', name: 'local-run' } }, []).Resources).toEqual([]);
});
