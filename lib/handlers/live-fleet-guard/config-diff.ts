// Pure decision of the live-fleet guard (invariant 3): which parts of a fleet's configuration a
// deploy changes, and whether that touches a color that serves traffic.
import { type ColorWeights, FLEET_COLORS, type FleetColor, describeSplit, otherColor } from '../shared/color-weights';

/** The fingerprint of one fleet's launch configuration, as the construct passes it. */
export const FLEET_CONFIG_FIELDS = ['ImageId', 'InstanceType', 'UserData', 'LaunchTemplate'] as const;
export type FleetConfigField = (typeof FLEET_CONFIG_FIELDS)[number];
export type FleetConfig = Record<FleetConfigField, string>;

const FIELD_NAMES: Record<FleetConfigField, string> = {
  ImageId: 'image id',
  InstanceType: 'instance type',
  UserData: 'user data',
  LaunchTemplate: 'launch template settings',
};

/** The fields whose value differs, in a stable order. */
export function changedFields(previous: FleetConfig, next: FleetConfig): FleetConfigField[] {
  return FLEET_CONFIG_FIELDS.filter((field) => previous[field] !== next[field]);
}

/** A serving color this deploy would change. */
export interface ServingFleetChange {
  readonly color: FleetColor;
  readonly weight: number;
  readonly fields: FleetConfigField[];
}

/** Every color with weight > 0 whose configuration changes. A color with weight 0 may change freely. */
export function servingFleetChanges(
  weights: ColorWeights,
  previous: Record<FleetColor, FleetConfig>,
  next: Record<FleetColor, FleetConfig>,
): ServingFleetChange[] {
  return FLEET_COLORS
    .filter((color) => weights[color] > 0)
    .map((color) => ({ color, weight: weights[color], fields: changedFields(previous[color], next[color]) }))
    .filter((change) => change.fields.length > 0);
}

function describeChange(change: ServingFleetChange): string {
  const fields = change.fields.map((f) => FIELD_NAMES[f]).join(', ');
  return `the ${change.color} fleet (${fields}) while it serves ${change.weight}% of traffic`;
}

/**
 * The message that fails the deploy, or undefined if the deploy only changes idle fleets.
 * `weights` are percentages (sum 100).
 */
export function liveFleetChangeError(
  serviceName: string,
  weights: ColorWeights,
  changes: readonly ServingFleetChange[],
  declaredLive: FleetColor,
): string | undefined {
  if (changes.length === 0) {
    return undefined;
  }
  const what = `${serviceName}: this deploy would change ${changes.map(describeChange).join(' and ')}.`;
  const servingColors = FLEET_COLORS.filter((c) => weights[c] > 0);
  if (servingColors.length > 1) {
    return (
      `${what} Traffic is split (${describeSplit(weights)}): a rollout is in progress or was interrupted. ` +
      'A deploy may only change a fleet that serves no traffic. Let the rollout finish or roll it back so ' +
      'that one color serves 100%, then deploy the new version to the idle color only.'
    );
  }
  const serving = servingColors[0];
  const idle = otherColor(serving);
  if (declaredLive === idle) {
    return (
      `${what} A deploy may only change the idle fleet. You declared \`live: Color.${idle}\`, which is ` +
      `right, but ${serving} must stay unchanged in this deploy: the rollout moves traffic to ${idle} only ` +
      `after the fleets are updated. Revert the ${serving} changes now and make them in a later deploy, ` +
      `once ${serving} serves no traffic.`
    );
  }
  return (
    `${what} A deploy may only change the idle fleet. Put the new version on ${idle} and set ` +
    `\`live: Color.${idle}\`; leave ${serving} unchanged until the rollout has moved all traffic away from it.`
  );
}
