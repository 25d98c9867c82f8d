// What a rollout announces on EventBridge (invariant 6), rehearsed offline: the real state machine
// and the real bundled rollout handler (run `npm run bundle` after changing lib/handlers), with
// PutEvents answered by the rehearsal's event bus, which records each event at its virtual time.
// Read a test as "what would a rule on `cdk-blue-green` events see when...".
import { alarm, at, failCall, type RecordedEvent, rehearse, type RehearsalResult, startRollout } from '../../lib/rehearsal';
import { EventBusModel } from '../../lib/rehearsal/aws/event-bus-model';
import { serviceStack } from './fixtures/service-stack';

const web = serviceStack().stack;
const release = { from: 'BLUE', to: 'GREEN', reason: 'release v2' };

/** [virtual seconds, detail-type] of every event, in the order the bus received them. */
function announced(result: RehearsalResult, executionName?: string): Array<[number, string]> {
  return eventsOf(result, executionName).map((e) => [e.t, e.detailType]);
}

function eventsOf(result: RehearsalResult, executionName = result.executions[0].name): RecordedEvent[] {
  return result.events.filter((e) => e.detail.executionName === executionName);
}

/** The real name of the alarm whose construct path contains `id`, as the handler reads it. */
function alarmName(result: RehearsalResult, id: string): string {
  const names = result.world.alarms.all().map((a) => a.name).filter((n) => n.includes(id));
  expect(names).toHaveLength(1);
  return names[0];
}

describe('a release from BLUE to GREEN with the default plan', () => {
  let result: RehearsalResult;
  beforeAll(async () => {
    result = await rehearse({ stack: web, input: release });
  });

  test('announces started, health gate passed, three weight shifts five minutes apart, then success', () => {
    expect(result.status).toBe('SUCCEEDED');
    expect(announced(result)).toEqual([
      [0, 'Blue-Green Rollout Started'],
      [0, 'Blue-Green Health Gate Passed'],
      [0, 'Blue-Green Weights Shifted'],
      [300, 'Blue-Green Weights Shifted'],
      [600, 'Blue-Green Weights Shifted'],
      [900, 'Blue-Green Rollout Succeeded'],
    ]);
  });

  test('each shift names its step and the weights read back from the rule', () => {
    const shifts = eventsOf(result).filter((e) => e.detailType === 'Blue-Green Weights Shifted').map((e) => [e.detail.step, e.detail.weights]);
    expect(shifts).toEqual([
      [{ index: 1, count: 3, percent: 10 }, { BLUE: 90, GREEN: 10 }],
      [{ index: 2, count: 3, percent: 50 }, { BLUE: 50, GREEN: 50 }],
      [{ index: 3, count: 3, percent: 100 }, { BLUE: 0, GREEN: 100 }],
    ]);
  });

  test('every event is on the default bus, from cdk-blue-green, naming the service, the execution and its state machine', () => {
    const [execution] = result.executions;
    for (const event of result.events) {
      expect(event).toMatchObject({
        eventBusName: 'default',
        source: 'cdk-blue-green',
        detail: { service: 'Web', executionId: execution.executionArn, from: 'BLUE', to: 'GREEN', reason: 'release v2' },
        // onRolloutEvent() matches the state machine in `resources`.
        resources: [execution.stateMachineArn, execution.executionArn],
      });
    }
    expect(eventsOf(result).pop()!.detail).toMatchObject({ liveColor: 'GREEN' });
  });
});

test('an alarm at step 2: the rollback is announced with the alarm and the step, then the restored weights', async () => {
  const alarmAt = 300 + 121;
  const result = await rehearse({ stack: web, input: release, scenario: [at(alarmAt, alarm('CheckoutErrors', 'ALARM'))] });
  expect(result.status).toBe('FAILED');
  const checkoutErrors = alarmName(result, 'CheckoutErrors');
  const events = announced(result);
  expect(events.map(([, type]) => type)).toEqual([
    'Blue-Green Rollout Started',
    'Blue-Green Health Gate Passed',
    'Blue-Green Weights Shifted',
    'Blue-Green Weights Shifted',
    'Blue-Green Rollback Started',
    'Blue-Green Rollout Rolled Back',
  ]);
  const [started, rolledBack] = eventsOf(result).slice(-2);
  expect(started.detail).toMatchObject({ error: 'AlarmBreach', alarm: checkoutErrors, alarms: [checkoutErrors], step: { index: 2, count: 3, percent: 50 } });
  expect(started.detail.cause).toContain(`alarm "${checkoutErrors}" is ALARM`);
  expect(rolledBack.detail).toMatchObject({
    error: 'AlarmBreach', alarm: checkoutErrors, step: { index: 2, count: 3, percent: 50 },
    weights: { BLUE: 100, GREEN: 0 }, trafficMoved: true,
    // The event carries the very cause the execution fails with.
    cause: result.cause,
  });
  expect(rolledBack.t - alarmAt).toBeLessThanOrEqual(10);
});

test('a second rollout while the first runs is announced as refused, naming the lock holder', async () => {
  const result = await rehearse({
    stack: web, input: release,
    scenario: [at('2m', startRollout({ from: 'BLUE', to: 'GREEN', reason: 'impatient' }, 'second'))],
  });
  expect(announced(result, 'second')).toEqual([[120, 'Blue-Green Rollout Refused']]);
  const [refused] = eventsOf(result, 'second');
  expect(refused.detail).toMatchObject({ error: 'RolloutRefused', reason: 'impatient', cause: expect.stringContaining(result.executions[0].name) });
  expect(announced(result).pop()).toEqual([900, 'Blue-Green Rollout Succeeded']);
});

test('a passing HTTP smoke test is announced before the first shift', async () => {
  const result = await rehearse({ stack: serviceStack({ smokeTest: 'http' }).stack, input: release });
  expect(announced(result).slice(0, 4).map(([, type]) => type)).toEqual([
    'Blue-Green Rollout Started', 'Blue-Green Health Gate Passed', 'Blue-Green Smoke Test Passed', 'Blue-Green Weights Shifted',
  ]);
  expect(eventsOf(result)[2].detail).toMatchObject({ smokeTest: 'HTTP', observed: expect.stringMatching(/^GET http:\/\/.*answered 200$/) });
});

describe('EventBridge failing changes nothing but the events', () => {
  const everyPutEventsFails = failCall('PutEvents', 'InternalException', { times: 1000 });

  test('the rollout still shifts 10 → 50 → 100 and succeeds; each lost event is a warning in the logs', async () => {
    const result = await rehearse({ stack: web, input: release, scenario: [everyPutEventsFails] });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.weights).toEqual({ BLUE: 0, GREEN: 100 });
    expect(result.events).toEqual([]);
    const warnings = result.logs.map((l) => l.message).filter((m) => m.includes('rollout.events.notDelivered'));
    expect(warnings).toHaveLength(6);
  });

  test('an alarm still rolls back to 100% BLUE within one poll', async () => {
    const result = await rehearse({ stack: web, input: release, scenario: [everyPutEventsFails, at(421, alarm('CheckoutErrors', 'ALARM'))] });
    expect(result.error).toBe('AlarmBreach');
    expect(result.weights).toEqual({ BLUE: 100, GREEN: 0 });
    expect(result.calls.filter((c) => c.operation === 'PutEvents').every((c) => c.error === 'InternalException')).toBe(true);
  });
});

test('the rehearsal\'s bus answers PutEvents as EventBridge does: malformed entries fail one by one, the rest are recorded', () => {
  const bus = new EventBusModel();
  const out = bus.putEvents({
    Entries: [
      { Source: 'cdk-blue-green', DetailType: 'Blue-Green Rollout Started', Detail: '{"service":"Web"}', Time: new Date('2026-01-05T09:00:00Z') },
      { Source: 'cdk-blue-green', DetailType: 'Blue-Green Rollout Started', Detail: 'not json' },
      { Source: 'cdk-blue-green', Detail: '{}' },
      { Source: 'app', DetailType: 'x', Detail: '{}', EventBusName: 'arn:aws:events:us-east-1:1:event-bus/orders' },
    ],
  }, 42);
  expect(out.FailedEntryCount).toBe(2);
  expect(out.Entries.map((e) => e.ErrorCode)).toEqual([undefined, 'MalformedDetail', 'InvalidArgument', undefined]);
  expect(bus.events).toEqual([
    { t: 42, eventBusName: 'default', source: 'cdk-blue-green', detailType: 'Blue-Green Rollout Started', detail: { service: 'Web' }, resources: [], time: '2026-01-05T09:00:00.000Z' },
    { t: 42, eventBusName: 'orders', source: 'app', detailType: 'x', detail: {}, resources: [], time: undefined },
  ]);
  expect(() => bus.putEvents({ Entries: [] }, 0)).toThrow(/length between 1 and 10/);
});
