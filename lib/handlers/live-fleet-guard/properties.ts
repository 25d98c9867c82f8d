// The validated properties of Custom::BlueGreenLiveFleetGuard.
import type { ColorTargetGroups, FleetColor } from '../shared/color-weights';
import {
  type RawProperties,
  requireArn,
  requireColor,
  requireString,
  requireStringRecord,
} from '../shared/property-parsing';
import { FLEET_CONFIG_FIELDS, type FleetConfig } from './config-diff';

export const RESOURCE_TYPE = 'Custom::BlueGreenLiveFleetGuard';

export interface LiveFleetGuardProperties {
  /** Construct path of the service, for messages and logs. */
  readonly serviceName: string;
  /** The traffic rule whose weights say which colors serve traffic. */
  readonly ruleArn: string;
  readonly targetGroups: ColorTargetGroups;
  readonly configs: Record<FleetColor, FleetConfig>;
  /** The live color this deploy declares (used in messages). */
  readonly declaredLive: FleetColor;
}

export function parseLiveFleetGuardProperties(raw: RawProperties | undefined): LiveFleetGuardProperties {
  const props = raw ?? {};
  const serviceName = requireString(props, 'ServiceName', RESOURCE_TYPE);
  const resource = `${serviceName} (${RESOURCE_TYPE})`;
  return {
    serviceName,
    ruleArn: requireArn(props, 'RuleArn', resource),
    targetGroups: {
      BLUE: requireArn(props, 'BlueTargetGroupArn', resource),
      GREEN: requireArn(props, 'GreenTargetGroupArn', resource),
    },
    configs: {
      BLUE: requireStringRecord(props, 'BlueConfig', FLEET_CONFIG_FIELDS, resource),
      GREEN: requireStringRecord(props, 'GreenConfig', FLEET_CONFIG_FIELDS, resource),
    },
    declaredLive: requireColor(props, 'DeclaredLive', resource),
  };
}
