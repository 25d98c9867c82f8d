import { CustomResource } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Color } from '../color';
import { Fleet } from '../fleet';
import { allow, sharedHandler } from '../private/handler-code';
import { sharedProvider } from '../private/shared-provider';

/** CloudFormation type of the live-fleet guard. */
export const GUARD_RESOURCE_TYPE = 'Custom::BlueGreenLiveFleetGuard';

/** Properties of {@link LiveFleetGuard}. */
export interface LiveFleetGuardProps {
  /** Identifies the service in messages: its construct path. */
  readonly serviceName: string;
  /** The weighted rule whose live weights decide which colors may not change. */
  readonly ruleArn: string;
  readonly blue: Fleet;
  readonly green: Fleet;
  /** The color the user declared live in this deploy. */
  readonly declaredLive: Color;
}

/**
 * Invariant 3: a custom resource CloudFormation updates before either fleet. Its properties are
 * each color's configuration; the handler fails the update if the configuration of a color that
 * has weight > 0 on the rule would change. Every resource that changes a fleet depends on it.
 */
export class LiveFleetGuard extends Construct {
  /** The custom resource the fleets depend on. */
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: LiveFleetGuardProps) {
    super(scope, id);
    const handler = sharedHandler(this, {
      name: 'live-fleet-guard',
      description: 'refuses deploys that would change the fleet serving traffic',
    });
    // The guard only reads the live weights; Describe calls have no resource-level permissions.
    handler.addToRolePolicy(allow(['elasticloadbalancing:DescribeRules'], ['*']));

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: sharedProvider(this, 'LiveFleetGuard', handler).serviceToken,
      resourceType: GUARD_RESOURCE_TYPE,
      properties: {
        ServiceName: props.serviceName,
        RuleArn: props.ruleArn,
        BlueTargetGroupArn: props.blue.targetGroup.targetGroupArn,
        GreenTargetGroupArn: props.green.targetGroup.targetGroupArn,
        BlueConfig: props.blue._guardConfiguration(),
        GreenConfig: props.green._guardConfiguration(),
        DeclaredLive: props.declaredLive,
      },
    });
    props.blue._updateAfter(this.resource);
    props.green._updateAfter(this.resource);
  }
}
