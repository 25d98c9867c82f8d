import { Duration, Size } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as fc from 'fast-check';
import { BlueGreenService, BlueGreenServiceProps, Color, FleetOptions } from '../lib';
import { colorOptions, minimalProps, newStack } from './blue-green-service.fixture';

/** Builds a service from `extra` over the README snippet; returns the error message, or undefined. */
function errorFor(extra: Partial<BlueGreenServiceProps> | ((vpc: ec2.IVpc, stack: any) => Partial<BlueGreenServiceProps>)): string | undefined {
  const { stack, vpc } = newStack();
  try {
    new BlueGreenService(stack, 'Web', minimalProps(vpc, typeof extra === 'function' ? extra(vpc, stack) : extra));
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TypeError);
    return (error as Error).message;
  }
}

const sharedListenerArn = 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/shared/50dc6c495c0c9188/f2f7dc8efc522ab2';
function importedListener(stack: any, id = 'Shared', arn = sharedListenerArn): elbv2.IApplicationListener {
  return elbv2.ApplicationListener.fromApplicationListenerAttributes(stack, id, {
    listenerArn: arn,
    securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, `${id}Sg`, 'sg-0123456789abcdef0'),
  });
}

describe('errors name the construct, the prop and what is allowed', () => {
  test.each<[string, Partial<BlueGreenServiceProps>, string]>([
    ['capacity min above desired', { blue: colorOptions('v1', { capacity: { min: 5, desired: 2 } }) },
      'Stack/Web: invalid props: blue.capacity.min (5) must be <= blue.capacity.desired (2).'],
    ['capacity desired above default max', { green: colorOptions('v2', { capacity: { min: 1, max: 3, desired: 4 } }) },
      'green.capacity.desired (4) must be <= green.capacity.max (3).'],
    ['capacity min above max', { blue: colorOptions('v1', { capacity: { min: 3, max: 2 } }) },
      'blue.capacity.min (3) must be <= blue.capacity.max (2).'],
    ['fractional capacity', { blue: colorOptions('v1', { capacity: { min: 1.5 } }) },
      'blue.capacity.min (1.5) must be an integer from 0 to 1000.'],
    ['instance port out of range', { instancePort: 70000 }, 'instancePort (70000) must be an integer from 1 to 65535.'],
    ['test port equal to the listener port', { testListenerPort: 80 }, 'testListenerPort (80) must differ from listenerPort (default 80).'],
    ['default test port equal to a custom listener port', { listenerPort: 9000 }, 'testListenerPort (9000, default) must differ from listenerPort (9000).'],
    ['deregistration delay too long', { deregistrationDelay: Duration.hours(2) }, 'deregistrationDelay (2 hours) must be a whole number of seconds from 0 to 3600.'],
    ['deregistration delay in milliseconds', { deregistrationDelay: Duration.millis(1500) }, 'deregistrationDelay (1 second 500 millis) must be a whole number of seconds from 0 to 3600.'],
    ['health check interval too short', { blue: colorOptions('v1', { healthCheck: { interval: Duration.seconds(4), timeout: Duration.seconds(2) } }) },
      'blue.healthCheck.interval (4 seconds) must be a whole number of seconds from 5 to 300.'],
    ['health check timeout not below the interval', { green: colorOptions('v2', { healthCheck: { interval: Duration.seconds(5) } }) },
      'green.healthCheck.timeout (5s, default) must be less than green.healthCheck.interval (5s).'],
    ['health check threshold', { blue: colorOptions('v1', { healthCheck: { healthyThresholdCount: 11 } }) },
      'blue.healthCheck.healthyThresholdCount (11) must be an integer from 2 to 10.'],
    ['health check path', { blue: colorOptions('v1', { healthCheck: { path: 'health' } }) },
      'blue.healthCheck.path ("health") must start with "/"'],
    ['health check codes', { blue: colorOptions('v1', { healthCheck: { healthyHttpCodes: '200-600' } }) },
      'blue.healthCheck.healthyHttpCodes ("200-600") must be HTTP codes from 200 to 499'],
    ['grace period', { blue: colorOptions('v1', { healthCheckGracePeriod: Duration.hours(3) }) },
      'blue.healthCheckGracePeriod (3 hours) must be a whole number of seconds from 0 to 7200.'],
    ['root volume size', { blue: colorOptions('v1', { rootVolumeSize: Size.mebibytes(100) }) },
      'blue.rootVolumeSize must be a whole number of GiB'],
    ['unencrypted extra volume', { blue: colorOptions('v1', { blockDevices: [{ deviceName: '/dev/sdf', volume: ec2.BlockDeviceVolume.ebs(10) }] }) },
      'blue.blockDevices[0].volume (/dev/sdf) must be encrypted: use BlockDeviceVolume.ebs(size, { encrypted: true }).'],
    ['extra volume on the root device', { blue: colorOptions('v1', { blockDevices: [{ deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(10, { encrypted: true }) }] }) },
      'blue.blockDevices[0].deviceName (/dev/xvda) is the root device; set rootVolumeSize'],
    ['live is not a color', { live: 'PURPLE' as Color }, 'live (PURPLE) must be Color.BLUE or Color.GREEN'],
    ['missing machine image', { green: { machineImage: undefined as any } }, 'green.machineImage is required: an ec2.IMachineImage'],
    ['listener-only props without a listener', { listenerRulePriority: 3 },
      'listenerRulePriority only applies with listener (an existing listener to add the service to)'],
    ['redirect without certificates', { redirectHttp: true }, 'redirectHttp only applies with certificates'],
    ['access log prefix without bucket', { accessLogPrefix: 'x' }, 'accessLogPrefix only applies with accessLogBucket.'],
    ['a peer that is not a peer', { listenerPeers: ['0.0.0.0/0' as any] }, 'listenerPeers[0] must be an ec2.IPeer'],
    ['poll interval too long', { pollInterval: Duration.seconds(90) }, 'pollInterval (1 minute 30 seconds) must be a whole number of seconds from 1 to 60.'],
    ['health gate timeout too long', { healthGateTimeout: Duration.hours(2) }, 'healthGateTimeout (2 hours) must be a whole number of seconds from 0 to 3600.'],
    ['a plan that is not a Rollout', { rollout: { steps: [10, 100] } as any }, 'rollout must be a Rollout, for example Rollout.steps([10, 50, 100])'],
    ['a smoke test that is not a SmokeTest', { smokeTest: { path: '/health' } as any }, 'smokeTest must be a SmokeTest'],
    ['an alarm that is not an alarm', { alarms: ['HighErrors' as any] }, 'alarms[0] must be a cloudwatch.IAlarm'],
    ['an unknown rollout trigger', { startRollout: 'LATER' as any }, 'startRollout (LATER) must be RolloutTrigger.ON_DEPLOY or RolloutTrigger.MANUAL.'],
    ['an unknown INSUFFICIENT_DATA policy', { insufficientData: 'IGNORE' as any }, 'insufficientData (IGNORE) must be one of InsufficientDataPolicy.'],
  ])('%s', (_name, extra, expected) => {
    const message = errorFor(extra);
    expect(message).toContain('Stack/Web: invalid props');
    expect(message).toContain(expected);
  });

  test('every problem is reported at once', () => {
    const message = errorFor({ instancePort: 0, testListenerPort: -1, blue: colorOptions('v1', { capacity: { min: -1 } }) })!;
    expect(message).toContain('instancePort (0)');
    expect(message).toContain('testListenerPort (-1)');
    expect(message).toContain('blue.capacity.min (-1)');
  });

  test('HTTPS on port 80 clashes with the redirect', () => {
    const message = errorFor((_vpc, stack) => ({
      certificates: [acm.Certificate.fromCertificateArn(stack, 'C', 'arn:aws:acm:us-east-1:111111111111:certificate/x')],
      listenerPort: 80,
    }));
    expect(message).toContain('listenerPort (80) clashes with the HTTP redirect listener on port 80');
  });

  describe('existing listener', () => {
    test('priority and conditions are required', () => {
      const message = errorFor((_vpc, stack) => ({ listener: importedListener(stack), loadBalancer: undefined }))!;
      expect(message).toContain('listenerRulePriority is required with listener: a priority from 1 to 50000');
      expect(message).toContain('listenerConditions is required with listener');
      expect(message).toContain('loadBalancer is required with an imported listener (or pass testListener)');
    });

    test('priority range and empty conditions', () => {
      const message = errorFor((_vpc, stack) => ({
        listener: importedListener(stack),
        testListener: importedListener(stack, 'T', sharedListenerArn.replace('f2f7dc8efc522ab2', '0000000000000000')),
        listenerRulePriority: 50001,
        listenerConditions: [],
      }))!;
      expect(message).toContain('listenerRulePriority (50001) must be an integer from 1 to 50000; it must be unique on the listener.');
      expect(message).toContain('listenerConditions must contain at least one ListenerCondition');
    });

    test('ALB rule limits on conditions', () => {
      const message = errorFor((_vpc, stack) => ({
        listener: importedListener(stack),
        testListener: importedListener(stack, 'T', sharedListenerArn.replace('f2f7dc8efc522ab2', '0000000000000000')),
        listenerRulePriority: 4,
        listenerConditions: [
          elbv2.ListenerCondition.hostHeaders(['a.example.com', 'b.example.com', 'c.example.com']),
          elbv2.ListenerCondition.hostHeaders(['d.example.com']),
          elbv2.ListenerCondition.pathPatterns(['/a', '/b']),
        ],
      }))!;
      expect(message).toContain('listenerConditions[1] repeats the host-header condition');
      expect(message).toContain('listenerConditions has 6 condition values; ALB allows at most 5 per rule.');
    });

    test('the test listener must not be the user-facing listener', () => {
      const message = errorFor((_vpc, stack) => {
        const listener = importedListener(stack);
        return { listener, testListener: listener, listenerRulePriority: 4, listenerConditions: [elbv2.ListenerCondition.pathPatterns(['/a'])] };
      });
      expect(message).toContain('testListener must not be the user-facing listener');
    });

    test('props of a created load balancer are refused', () => {
      const message = errorFor((_vpc, stack) => ({
        listener: importedListener(stack),
        testListener: importedListener(stack, 'T', sharedListenerArn.replace('f2f7dc8efc522ab2', '0000000000000000')),
        listenerRulePriority: 4,
        listenerConditions: [elbv2.ListenerCondition.pathPatterns(['/a'])],
        internetFacing: false,
        testListenerPort: 9001,
      }));
      expect(message).toContain('internetFacing only applies when the service creates its load balancer');
      expect(message).toContain('testListenerPort does not apply with testListener');
    });
  });
});

// ---- property-based: random props synthesize, or fail with an Error that names a prop ----

/**
 * Mostly valid values (so that some runs synthesize), sometimes values around and outside the
 * documented bounds, sometimes junk a JavaScript caller could pass.
 */
const junk = fc.constantFrom<any>(NaN, Infinity, -1, 0.5, '80', null);
const mostly = <T>(valid: fc.Arbitrary<T>, ...invalid: fc.Arbitrary<any>[]) =>
  fc.oneof({ arbitrary: valid, weight: 12 }, ...invalid.map((arbitrary) => ({ arbitrary, weight: 1 })));
const portLike = mostly(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: -10, max: 70000 }), junk);
const smallInt = (min: number, max: number) => mostly(fc.integer({ min, max }), fc.integer({ min: min - 3, max: max + 3 }), junk);
const seconds = (min: number, max: number) => mostly(
  fc.integer({ min, max }).map((s) => Duration.seconds(s)),
  fc.integer({ min: 0, max: max * 2 }).map((s) => Duration.seconds(s)),
  fc.integer({ min: 1, max: 5000 }).map((ms) => Duration.millis(ms)),
);
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });

const healthCheckArb = fc.record({
  path: optional(mostly(fc.constantFrom('/', '/health'), fc.constantFrom('health', '/a b', ''), fc.string())),
  port: optional(portLike),
  healthyHttpCodes: optional(mostly(fc.constantFrom('200', '200-299', '200,204'), fc.constantFrom('100', '200-600', 'ok', ''))),
  healthyThresholdCount: optional(smallInt(2, 10)),
  unhealthyThresholdCount: optional(smallInt(2, 10)),
  interval: optional(seconds(5, 300)),
  timeout: optional(seconds(2, 120)),
}, { requiredKeys: [] });

const fleetArb = fc.record({
  capacity: optional(fc.record({
    min: optional(smallInt(0, 6)),
    max: optional(smallInt(1, 8)),
    desired: optional(smallInt(0, 8)),
  }, { requiredKeys: [] })),
  healthCheck: optional(healthCheckArb),
  healthCheckGracePeriod: optional(seconds(0, 7200)),
  rootVolumeSize: optional(mostly(fc.integer({ min: 1, max: 100 }).map((g) => Size.gibibytes(g)), fc.constant(Size.mebibytes(1)))),
  rootDeviceName: optional(mostly(fc.constantFrom('/dev/xvda', '/dev/sda1'), fc.constantFrom('sda1', ''))),
}, { requiredKeys: [] });

const serviceArb = fc.record({
  blue: fleetArb,
  green: fleetArb,
  live: mostly(fc.constantFrom<any>(Color.BLUE, Color.GREEN), fc.constantFrom('blue', undefined)),
  instancePort: optional(portLike),
  listenerPort: optional(portLike),
  testListenerPort: optional(mostly(portLike, fc.constantFrom(80, 443))),
  deregistrationDelay: optional(seconds(0, 3600)),
  https: fc.boolean(),
  redirectHttp: optional(fc.boolean()),
}, { requiredKeys: [] });

/** Required props: leaving them undefined is an error that must name them. */
const REQUIRED_PROPS = new Set(['live', 'machineImage']);

/** Every prop path the generator set, as the user would write it. */
function propPaths(value: unknown, prefix = ''): string[] {
  if (!value || typeof value !== 'object' || value instanceof Duration || value instanceof Size) return prefix ? [prefix] : [];
  return Object.entries(value).filter(([k, v]) => v !== undefined || REQUIRED_PROPS.has(k))
    .flatMap(([k, v]) => [prefix ? `${prefix}.${k}` : k, ...propPaths(v, prefix ? `${prefix}.${k}` : k)]);
}

test('random props either synthesize or throw an Error that names one of the props given', () => {
  const outcomes = { synthesized: 0, refused: 0 };
  fc.assert(fc.property(serviceArb, (generated) => {
    const { stack, vpc } = newStack();
    const { https, blue, green, ...rest } = generated as any;
    const fleet = (version: string, options: Partial<FleetOptions>) => colorOptions(version, options);
    const props: BlueGreenServiceProps = {
      ...minimalProps(vpc),
      ...rest,
      blue: fleet('v1', blue),
      green: fleet('v2', green),
      certificates: https ? [acm.Certificate.fromCertificateArn(stack, 'C', 'arn:aws:acm:us-east-1:111111111111:certificate/x')] : undefined,
    };
    const given = propPaths({ ...rest, blue, green, certificates: https ? [1] : undefined });
    try {
      new BlueGreenService(stack, 'Web', props);
      Template.fromStack(stack);
      outcomes.synthesized++;
    } catch (error) {
      outcomes.refused++;
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(TypeError);
      const message = (error as Error).message;
      expect(message).toMatch(/^Stack\/Web: invalid props: /);
      expect(given.some((path) => message.includes(path))).toBe(true);
    }
  }), { numRuns: 60 });
  // Both branches must be exercised, or the property proves nothing.
  expect(outcomes.synthesized).toBeGreaterThan(0);
  expect(outcomes.refused).toBeGreaterThan(0);
});

test('props inside every documented bound always synthesize', () => {
  const valid = fc.record({
    min: fc.integer({ min: 0, max: 4 }),
    extra: fc.integer({ min: 0, max: 4 }),
    interval: fc.integer({ min: 6, max: 300 }),
    healthy: fc.integer({ min: 2, max: 10 }),
    instancePort: fc.integer({ min: 1, max: 65535 }),
    testListenerPort: fc.integer({ min: 81, max: 65535 }),
    delay: fc.integer({ min: 0, max: 3600 }),
    live: fc.constantFrom(Color.BLUE, Color.GREEN),
  });
  fc.assert(fc.property(valid, (v) => {
    const { stack, vpc } = newStack();
    const options = {
      capacity: { min: v.min, desired: v.min + v.extra, max: v.min + 2 * v.extra + 1 },
      healthCheck: { interval: Duration.seconds(v.interval), timeout: Duration.seconds(Math.min(120, v.interval - 1)), healthyThresholdCount: v.healthy },
    };
    new BlueGreenService(stack, 'Web', {
      ...minimalProps(vpc),
      blue: colorOptions('v1', options),
      green: colorOptions('v2', options),
      live: v.live,
      instancePort: v.instancePort,
      testListenerPort: v.testListenerPort,
      deregistrationDelay: Duration.seconds(v.delay),
    });
    Template.fromStack(stack).resourceCountIs('Custom::BlueGreenTraffic', 1);
  }), { numRuns: 25 });
});
