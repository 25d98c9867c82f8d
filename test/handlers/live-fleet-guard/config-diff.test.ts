import * as fc from 'fast-check';
import {
  FLEET_CONFIG_FIELDS,
  type FleetConfig,
  changedFields,
  liveFleetChangeError,
  servingFleetChanges,
} from '../../../lib/handlers/live-fleet-guard/config-diff';

const v1: FleetConfig = { ImageId: 'ami-1', InstanceType: 't4g.small', UserData: 'echo v1', LaunchTemplate: 'hash-1' };
const v2: FleetConfig = { ...v1, ImageId: 'ami-2', UserData: 'echo v2' };

test('changedFields lists the fields that differ, in a stable order', () => {
  expect(changedFields(v1, v1)).toEqual([]);
  expect(changedFields(v1, v2)).toEqual(['ImageId', 'UserData']);
  expect(changedFields(v1, { ...v1, LaunchTemplate: 'hash-2', InstanceType: 'm7g.large' })).toEqual(['InstanceType', 'LaunchTemplate']);
});

test('property: changedFields is exactly the set of differing fields', () => {
  const config = fc.record({
    ImageId: fc.constantFrom('ami-1', 'ami-2'),
    InstanceType: fc.constantFrom('t4g.small', 'm7g.large'),
    UserData: fc.constantFrom('', 'a', 'b'),
    LaunchTemplate: fc.constantFrom('h1', 'h2'),
  });
  fc.assert(fc.property(config, config, (a, b) => {
    const changed = changedFields(a, b);
    for (const field of FLEET_CONFIG_FIELDS) {
      expect(changed.includes(field)).toBe(a[field] !== b[field]);
    }
  }));
});

describe('servingFleetChanges', () => {
  test('a color with weight 0 may change freely', () => {
    expect(servingFleetChanges({ BLUE: 100, GREEN: 0 }, { BLUE: v1, GREEN: v1 }, { BLUE: v1, GREEN: v2 })).toEqual([]);
  });

  test('a serving color that changes is reported with its weight and fields', () => {
    expect(servingFleetChanges({ BLUE: 100, GREEN: 0 }, { BLUE: v1, GREEN: v1 }, { BLUE: v2, GREEN: v2 }))
      .toEqual([{ color: 'BLUE', weight: 100, fields: ['ImageId', 'UserData'] }]);
  });

  test('property: refused exactly when some color with weight > 0 changes', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 100 }), fc.boolean(), fc.boolean(), (blue, blueChanges, greenChanges) => {
      const weights = { BLUE: blue, GREEN: 100 - blue };
      const changes = servingFleetChanges(weights, { BLUE: v1, GREEN: v1 }, { BLUE: blueChanges ? v2 : v1, GREEN: greenChanges ? v2 : v1 });
      const refused = liveFleetChangeError('Svc', weights, changes, 'BLUE') !== undefined;
      expect(refused).toBe((blueChanges && weights.BLUE > 0) || (greenChanges && weights.GREEN > 0));
    }));
  });
});

describe('liveFleetChangeError', () => {
  test('the live color changed while it serves everything: names color and fields, says what to do', () => {
    expect(liveFleetChangeError('App/Web', { BLUE: 100, GREEN: 0 },
      [{ color: 'BLUE', weight: 100, fields: ['ImageId', 'UserData'] }], 'BLUE')).toBe(
      'App/Web: this deploy would change the BLUE fleet (image id, user data) while it serves 100% of traffic. ' +
      'A deploy may only change the idle fleet. Put the new version on GREEN and set `live: Color.GREEN`; ' +
      'leave BLUE unchanged until the rollout has moved all traffic away from it.');
  });

  test('live already declared as the idle color: asks to revert the serving color instead', () => {
    expect(liveFleetChangeError('App/Web', { BLUE: 0, GREEN: 100 },
      [{ color: 'GREEN', weight: 100, fields: ['InstanceType'] }], 'BLUE')).toMatch(
      /change the GREEN fleet \(instance type\) .*You declared `live: Color.BLUE`, which is right, but GREEN must stay unchanged/);
  });

  test('split traffic: names both changes and asks to finish or roll back the rollout', () => {
    expect(liveFleetChangeError('App/Web', { BLUE: 40, GREEN: 60 }, [
      { color: 'BLUE', weight: 40, fields: ['LaunchTemplate'] },
      { color: 'GREEN', weight: 60, fields: ['ImageId'] },
    ], 'GREEN')).toBe(
      'App/Web: this deploy would change the BLUE fleet (launch template settings) while it serves 40% of traffic ' +
      'and the GREEN fleet (image id) while it serves 60% of traffic. Traffic is split (BLUE 40% / GREEN 60%): ' +
      'a rollout is in progress or was interrupted. A deploy may only change a fleet that serves no traffic. ' +
      'Let the rollout finish or roll it back so that one color serves 100%, then deploy the new version to the ' +
      'idle color only.');
  });
});
