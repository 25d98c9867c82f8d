// Start here: rehearsing the example app offline.
//
// examples/basic-service.ts is the smallest complete service: blue serves version 1.0, green has
// version 1.1 and is idle. `rehearse()` synthesizes that stack, "deploys" it into an in-memory AWS
// (the custom resources create the weighted listener rule, 100% on BLUE), then runs the rollout
// state machine taken from the template, with the real bundled handlers, on a virtual clock: the
// 15 minutes of a default rollout pass in well under a second.
//
// A failing test prints the timeline, e.g.
//      0m00s  BLUE    90%  GREEN    10%  ModifyRule by λ Step 1 (10%): set weights (setWeights)
//      5m00s  BLUE    50%  GREEN    50%  ModifyRule by λ Step 2 (50%): set weights (setWeights)
//      7m00s  BLUE    50%  GREEN    50%  alarm BlueGreenBasic/Web/Rollout/GreenHealthAlarm → ALARM
//      7m10s  BLUE   100%  GREEN     0%  ModifyRule by λ Roll back (rollback)
import { App } from 'aws-cdk-lib';
import { BasicServiceStack } from '../../examples/basic-service';
import { SeveralServicesStack } from '../../examples/several-services';
import { EXAMPLE_CERTIFICATE_ARN } from '../../examples/app';
import { alarm, at, healthy, rehearse } from '../../lib/rehearsal';

const env = { region: 'us-east-1' };
const basic = new BasicServiceStack(new App(), 'BlueGreenBasic', { env });
const releaseGreen = { from: 'BLUE', to: 'GREEN', reason: 'release 1.1', requestedBy: 'example' };

test('releasing 1.1 on green: 10% → 50% → 100% with 5-minute bakes, then green serves everything', async () => {
  const result = await rehearse({ stack: basic, input: releaseGreen });

  expect(result.status).toBe('SUCCEEDED');
  const shifts = result.timeline.filter((e) => e.event.includes('set weights')).map((e) => [e.t, e.blueWeight, e.greenWeight]);
  expect(shifts).toEqual([[0, 90, 10], [300, 50, 50], [600, 0, 100]]);
  expect(result.durationSeconds).toBe(900);
  expect(result.weights).toEqual({ BLUE: 0, GREEN: 100 });
});

test("one of green's built-in alarms fires at minute 7: traffic is back on blue within one alarm check", async () => {
  // Scenarios name alarms by construct path (or logical id, or alarm name).
  const greenAlarm = basic.service.greenAlarms[0].node.path;
  const result = await rehearse({
    stack: basic,
    input: releaseGreen,
    scenario: [at('7m', alarm(greenAlarm, 'ALARM', 'Threshold Crossed'))],
  });

  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('AlarmBreach');
  expect(result.cause).toContain(basic.service.greenAlarms[0].node.id);
  expect(result.weights).toEqual({ BLUE: 100, GREEN: 0 });
});

test('green never gets healthy: the health gate gives up and no user request ever reaches green', async () => {
  const result = await rehearse({ stack: basic, input: releaseGreen, scenario: [at(0, healthy('GREEN', 0))] });

  expect(result.error).toBe('HealthGateTimeout');
  expect(result.timeline.every((e) => e.greenWeight === 0)).toBe(true);
});

test('several services in one stack: rehearse one, the others keep their traffic', async () => {
  const stack = new SeveralServicesStack(new App(), 'BlueGreenSeveralServices', { env, certificateArn: EXAMPLE_CERTIFICATE_ARN });
  const result = await rehearse({ stack, service: 'Catalog', input: releaseGreen });

  expect(result.status).toBe('SUCCEEDED');
  expect(result.weights).toEqual({ BLUE: 0, GREEN: 100 });
  // Every rule the rollout wrote is Catalog's own weighted rule.
  const written = new Set(result.calls.filter((c) => c.operation === 'ModifyRule' && c.caller?.startsWith('λ Step')).map((c) => c.resource));
  expect(written.size).toBe(1);
  const catalogRule = result.world.loadBalancing.rule([...written][0]!)!;
  expect(result.world.loadBalancing.forwardTargets(catalogRule).map((t) => t.targetGroupArn)).toContain(result.world.targetGroupArn('GREEN'));
});
