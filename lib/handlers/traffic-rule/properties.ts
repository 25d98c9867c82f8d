// The validated properties of Custom::BlueGreenTraffic.
import type { RuleCondition } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ColorTargetGroups, FleetColor } from '../shared/color-weights';
import {
  type RawProperties,
  requireArn,
  requireColor,
  requireConditions,
  requireInteger,
  requireString,
} from '../shared/property-parsing';

export const RESOURCE_TYPE = 'Custom::BlueGreenTraffic';

/** ELBv2 listener rule priorities (the default rule has none). */
const RULE_PRIORITY = { min: 1, max: 50000 };

export interface TrafficRuleProperties {
  /** Construct path of the service, for messages and logs. */
  readonly serviceName: string;
  readonly listenerArn: string;
  readonly priority: number;
  readonly conditions: RuleCondition[];
  readonly testListenerArn: string;
  readonly testPriority: number;
  readonly testConditions: RuleCondition[];
  readonly targetGroups: ColorTargetGroups;
  /** The declared live color: used on create only; an update keeps the live weights. */
  readonly liveColor: FleetColor;
}

export function parseTrafficRuleProperties(raw: RawProperties | undefined): TrafficRuleProperties {
  const props = raw ?? {};
  const serviceName = requireString(props, 'ServiceName', RESOURCE_TYPE);
  const resource = `${serviceName} (${RESOURCE_TYPE})`;
  return {
    serviceName,
    listenerArn: requireArn(props, 'ListenerArn', resource),
    priority: requireInteger(props, 'Priority', RULE_PRIORITY, resource),
    conditions: requireConditions(props, 'Conditions', resource),
    testListenerArn: requireArn(props, 'TestListenerArn', resource),
    testPriority: requireInteger(props, 'TestPriority', RULE_PRIORITY, resource),
    testConditions: requireConditions(props, 'TestConditions', resource),
    targetGroups: {
      BLUE: requireArn(props, 'BlueTargetGroupArn', resource),
      GREEN: requireArn(props, 'GreenTargetGroupArn', resource),
    },
    liveColor: requireColor(props, 'LiveColor', resource),
  };
}
