import { createHash } from 'node:crypto';
import * as fc from 'fast-check';
import type { ColorWeights } from '../../../lib/handlers/shared/color-weights';
import type { FleetConfig } from '../../../lib/handlers/live-fleet-guard/config-diff';
import {
  type GuardUpdateDecision,
  type GuardedService,
  acceptedConfigurationId,
  configurationFingerprint,
  decideFleetChange,
  rollbackToAccepted,
} from '../../../lib/handlers/live-fleet-guard/update-decision';

const v1: FleetConfig = { ImageId: 'ami-1', InstanceType: 't4g.small', UserData: 'echo v1', LaunchTemplate: 'hash-1' };
const v2: FleetConfig = { ...v1, ImageId: 'ami-2', UserData: 'echo v2' };

function service(blue: FleetConfig, green: FleetConfig, declaredLive: 'BLUE' | 'GREEN' = 'BLUE'): GuardedService {
  return { serviceName: 'App/Web', configs: { BLUE: blue, GREEN: green }, declaredLive };
}

/** The guard's whole Update decision, composed as the handler composes it. */
function decideUpdate(physicalResourceId: string, previous: GuardedService, next: GuardedService, weights: ColorWeights): GuardUpdateDecision {
  return rollbackToAccepted(physicalResourceId, previous, next) ?? decideFleetChange(previous, next, weights);
}

describe('configurationFingerprint', () => {
  test('is the first 16 hex digits of the SHA-256 of the canonical JSON (sorted keys) of BlueConfig and GreenConfig', () => {
    const canonical = '{"BlueConfig":{"ImageId":"ami-1","InstanceType":"t4g.small","LaunchTemplate":"hash-1","UserData":"echo v1"},' +
      '"GreenConfig":{"ImageId":"ami-2","InstanceType":"t4g.small","LaunchTemplate":"hash-1","UserData":"echo v2"}}';
    expect(configurationFingerprint({ BLUE: v1, GREEN: v2 }))
      .toBe(createHash('sha256').update(canonical).digest('hex').slice(0, 16));
  });

  test('ignores key order, and tells the colors apart', () => {
    const reordered = { UserData: 'echo v1', LaunchTemplate: 'hash-1', InstanceType: 't4g.small', ImageId: 'ami-1' };
    expect(configurationFingerprint({ BLUE: reordered, GREEN: v2 })).toBe(configurationFingerprint({ BLUE: v1, GREEN: v2 }));
    expect(configurationFingerprint({ BLUE: v2, GREEN: v1 })).not.toBe(configurationFingerprint({ BLUE: v1, GREEN: v2 }));
  });
});

test('the physical id names the service and the accepted configuration', () => {
  expect(acceptedConfigurationId(service(v1, v2))).toBe(`live-fleet-guard:App/Web:${configurationFingerprint({ BLUE: v1, GREEN: v2 })}`);
  expect(acceptedConfigurationId(service(v1, v2))).toMatch(/^live-fleet-guard:App\/Web:[0-9a-f]{16}$/);
});

describe('rollbackToAccepted', () => {
  const id = acceptedConfigurationId(service(v1, v1));

  test('matches an update from another configuration to the one recorded in the id', () => {
    expect(rollbackToAccepted(id, service(v2, v1), service(v1, v1, 'GREEN'))).toEqual({ outcome: 'rollback-to-accepted', physicalResourceId: id });
    expect(rollbackToAccepted(id, service(v1, v1), service(v2, v1))).toBeUndefined();
  });

  test('an update that changes no configuration (only the declared live color) is not a return: decided as usual', () => {
    expect(rollbackToAccepted(id, service(v1, v1, 'BLUE'), service(v1, v1, 'GREEN'))).toBeUndefined();
  });

  test('an id in the old format (no fingerprint) never matches', () => {
    expect(rollbackToAccepted('live-fleet-guard:App/Web', service(v2, v1), service(v1, v1))).toBeUndefined();
  });

  test("another service's id never matches", () => {
    const other = acceptedConfigurationId({ serviceName: 'App/Api', configs: { BLUE: v1, GREEN: v1 } });
    expect(rollbackToAccepted(other, service(v2, v1), service(v1, v1))).toBeUndefined();
  });
});

describe('decideFleetChange', () => {
  test('accepted: the new configuration becomes the physical id', () => {
    expect(decideFleetChange(service(v1, v1), service(v1, v2, 'GREEN'), { BLUE: 100, GREEN: 0 }))
      .toEqual({ outcome: 'accepted', physicalResourceId: acceptedConfigurationId(service(v1, v2)) });
  });

  test('refused: the reason names the serving color and what to do', () => {
    const decision = decideFleetChange(service(v1, v1), service(v2, v1), { BLUE: 100, GREEN: 0 });
    expect(decision).toMatchObject({
      outcome: 'refused',
      changes: [{ color: 'BLUE', weight: 100, fields: ['ImageId', 'UserData'] }],
    });
    expect(decision.outcome === 'refused' && decision.reason).toMatch(/^App\/Web: this deploy would change the BLUE fleet .*Put the new version on GREEN/);
  });
});

test('a refused update, then the rollback update with the properties swapped: the rollback is accepted and keeps the id', () => {
  const accepted = service(v1, v1);
  const refusedTarget = service(v2, v1);
  const id = acceptedConfigurationId(accepted);
  const weights = { BLUE: 100, GREEN: 0 };
  expect(decideUpdate(id, accepted, refusedTarget, weights).outcome).toBe('refused');
  // The refusal leaves the id as it was; CloudFormation sends Update(refused -> accepted) with it.
  expect(decideUpdate(id, refusedTarget, accepted, weights)).toEqual({ outcome: 'rollback-to-accepted', physicalResourceId: id });
});

describe('properties', () => {
  const config: fc.Arbitrary<FleetConfig> = fc.record({
    ImageId: fc.constantFrom('ami-1', 'ami-2', 'ami-3'),
    InstanceType: fc.constantFrom('t4g.small', 'm7g.large'),
    UserData: fc.constantFrom('', 'echo v1', 'echo v2'),
    LaunchTemplate: fc.constantFrom('h1', 'h2'),
  });
  const color = fc.constantFrom<'BLUE' | 'GREEN'>('BLUE', 'GREEN');
  const weights: fc.Arbitrary<ColorWeights> = fc.integer({ min: 0, max: 100 }).map((blue) => ({ BLUE: blue, GREEN: 100 - blue }));
  const guarded = fc.record({ blue: config, green: config, live: color }).map(({ blue, green, live }) => service(blue, green, live));
  /** A deploy from `accepted`: each color keeps its configuration or takes another one. */
  const deploy = fc.record({
    accepted: guarded,
    blue: fc.option(config, { nil: undefined }),
    green: fc.option(config, { nil: undefined }),
    live: color,
  }).map(({ accepted, blue, green, live }) => ({
    accepted,
    target: service(blue ?? accepted.configs.BLUE, green ?? accepted.configs.GREEN, live),
  }));

  test('any refused update followed by the swapped rollback update is accepted, keeping the id', () => {
    fc.assert(fc.property(deploy, weights, ({ accepted, target }, w) => {
      const id = acceptedConfigurationId(accepted);
      fc.pre(decideUpdate(id, accepted, target, w).outcome === 'refused');
      expect(decideUpdate(id, target, accepted, w)).toEqual({ outcome: 'rollback-to-accepted', physicalResourceId: id });
    }));
  });

  test('an update to a different configuration of a serving color is still refused, whatever the id says', () => {
    fc.assert(fc.property(guarded, config, color, weights, fc.boolean(), (accepted, changed, serving, w, oldFormatId) => {
      fc.pre(w[serving] > 0);
      fc.pre(JSON.stringify(changed) !== JSON.stringify(accepted.configs[serving]));
      const target = { ...accepted, configs: { ...accepted.configs, [serving]: changed } };
      const id = oldFormatId ? 'live-fleet-guard:App/Web' : acceptedConfigurationId(accepted);
      expect(decideUpdate(id, accepted, target, w).outcome).toBe('refused');
    }));
  });

  test('an accepted update records exactly the configuration it accepted', () => {
    fc.assert(fc.property(deploy, weights, ({ accepted, target }, w) => {
      const decision = decideUpdate(acceptedConfigurationId(accepted), accepted, target, w);
      fc.pre(decision.outcome !== 'refused');
      expect(decision).toMatchObject({ physicalResourceId: acceptedConfigurationId(target) });
    }));
  });
});
