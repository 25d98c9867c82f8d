import { CfnElement, CustomResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeExecutionWildcard, describeExecutionsStatement } from './execution-access';
import { grantServiceItems } from './state-table';
import { Color } from '../color';
import { allow } from '../private/handler-code';
import { acknowledgeProviderFramework } from '../private/nag-acknowledgements';
import { libraryFunction } from './library-function';
import type { RolloutStateMachine } from './rollout-state-machine';

/**
 * CloudFormation waits at most one hour for a custom resource. The rollout must end (including a
 * rollback) inside that, with a margin for the provider's polling.
 */
export const ON_DEPLOY_LIMIT = Duration.minutes(55);

/** Props of {@link RolloutRelease}. */
export interface RolloutReleaseProps {
  /** The service's rollout state machine. */
  readonly rollout: RolloutStateMachine;
  /** The service name (same as the state machine's). */
  readonly serviceName: string;
  /** ARN of the weighted rule. */
  readonly ruleArn: string;
  /** The color that serves 100% after this deploy. */
  readonly live: Color;
  /**
   * Acknowledges that traffic was moved outside CloudFormation (an emergency rollback), so this
   * deploy may move it back. The refusal message says which value to set.
   *
   * @default - traffic moved outside CloudFormation is never moved back silently
   */
  readonly acknowledgeTrafficOverride?: string;
  /**
   * Any string that changes whenever either fleet's configuration changes (e.g. launch template
   * versions), so that the release re-checks the traffic on every deploy that changes a fleet.
   *
   * @default - re-checked only when `live` or `acknowledgeTrafficOverride` changes
   */
  readonly fleetRevision?: string;
}

/**
 * `Custom::BlueGreenRelease`: on `cdk deploy`, when the declared live color differs from the one
 * with the traffic, starts the rollout and waits for it (cr.Provider with isComplete). A failed
 * rollout fails the resource with the rollout's cause, so CloudFormation rolls the stack back.
 *
 * That rollback sends this resource an Update back to its previous properties (its physical id never
 * changes, so CloudFormation does not take it for replaced; the properties it last accepted are kept
 * in the service's state item), before the fleets it depends on are reverted: it moves traffic back to the
 * accepted live color if this deploy's rollout had moved it, and otherwise succeeds without moving
 * anything (a refused deploy, a rollout that rolled back, traffic moved outside CloudFormation).
 *
 * Ordering the caller must add: the resource must depend on both fleets (their Auto Scaling
 * groups / launch templates) and on the traffic custom resource, so the new color is updated and
 * at full capacity before the rollout starts, and the rule exists.
 */
export class RolloutRelease extends Construct {
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: RolloutReleaseProps) {
    super(scope, id);
    const max = props.rollout.maxDuration;
    if (max.toSeconds() > ON_DEPLOY_LIMIT.toSeconds()) {
      throw new Error(
        `${scope.node.path}: the rollout can take up to ${Math.ceil(max.toSeconds() / 60)} minutes (health gate timeout, ` +
        'smoke test, every bake and a rollback), but `cdk deploy` can wait for it at most ' +
        `${ON_DEPLOY_LIMIT.toMinutes()} minutes (CloudFormation gives a custom resource one hour). Shorten the bakes or the ` +
        'health gate timeout, or set startRollout: RolloutTrigger.MANUAL so the deploy only prepares the idle fleet and ' +
        'you start the rollout afterwards (console, SDK or the cdk-blue-green CLI).',
      );
    }
    const acknowledged = props.acknowledgeTrafficOverride ?? '';
    if (!/^[A-Za-z0-9._:-]{0,100}$/.test(acknowledged)) {
      throw new Error(
        `${scope.node.path}: acknowledgeTrafficOverride must be the execution name (or manual-BLUE / manual-GREEN) that the ` +
        `refused deploy printed, got ${JSON.stringify(acknowledged)}.`,
      );
    }

    const provider = releaseProvider(this);
    const stateMachine = props.rollout.stateMachine;
    const onEventRole = provider.onEventHandler.role!;
    const isCompleteRole = provider.isCompleteHandler!.role!;
    stateMachine.grantStartExecution(onEventRole);
    grantServiceItems(props.rollout.stateTable, onEventRole, props.serviceName, ['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    // isComplete records the accepted properties in the service's state item once the rollout succeeded.
    grantServiceItems(props.rollout.stateTable, isCompleteRole, props.serviceName, ['dynamodb:UpdateItem']);
    isCompleteRole.addToPrincipalPolicy(describeExecutionsStatement(stateMachine));
    acknowledgeExecutionWildcard(isCompleteRole, stateMachine);
    // onEvent checks whether the execution holding the lock still runs.
    onEventRole.addToPrincipalPolicy(describeExecutionsStatement(stateMachine));
    acknowledgeExecutionWildcard(onEventRole, stateMachine);

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::BlueGreenRelease',
      properties: {
        ServiceName: props.serviceName,
        Live: props.live,
        StateMachineArn: stateMachine.stateMachineArn,
        RuleArn: props.ruleArn,
        TargetGroups: {
          BLUE: props.rollout.targetGroupArns.BLUE,
          GREEN: props.rollout.targetGroupArns.GREEN,
        },
        TableName: props.rollout.stateTable.tableName,
        AcknowledgeTrafficOverride: acknowledged,
        FleetRevision: props.fleetRevision ?? '',
      },
    });
  }
}

const PROVIDER_ID = 'CdkBlueGreenReleaseProvider';

/** One provider (and one pair of handler functions) per stack, shared by every service. */
function releaseProvider(scope: Construct): cr.Provider {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(PROVIDER_ID);
  if (existing) {
    return existing as cr.Provider;
  }
  const onEvent = libraryFunction(stack, 'CdkBlueGreenReleaseOnEvent', {
    bundle: 'release', entry: 'onEvent', description: 'starts the rollout a cdk deploy asks for', timeout: Duration.minutes(1),
  });
  const isComplete = libraryFunction(stack, 'CdkBlueGreenReleaseIsComplete', {
    bundle: 'release', entry: 'isComplete', description: 'waits for the rollout a cdk deploy started', timeout: Duration.minutes(1),
  });
  // Reading the live color: these APIs have no resource-level permissions.
  onEvent.addToRolePolicy(allow(['elasticloadbalancing:DescribeRules'], ['*']));
  const logGroup = new logs.LogGroup(stack, `${PROVIDER_ID}Logs`, { retention: logs.RetentionDays.THREE_MONTHS });
  const provider = new cr.Provider(stack, PROVIDER_ID, {
    onEventHandler: onEvent,
    isCompleteHandler: isComplete,
    queryInterval: Duration.seconds(20),
    totalTimeout: Duration.hours(1),
    logGroup,
    disableWaiterStateMachineLogging: false,
    waiterStateMachineLogOptions: { destination: logGroup, level: sfn.LogLevel.ALL },
  });
  acknowledgeProviderFramework(provider, [onEvent, isComplete]);
  Validations.of(provider).acknowledge({
    id: 'AwsSolutions-SF2',
    reason: "The provider framework's waiter state machine only polls isComplete; aws-cdk-lib does not offer X-Ray " +
      'tracing for it. The rollout state machine it waits for is traced.',
  });
  // The waiter state machine (aws-cdk-lib's) invokes the framework's own functions and delivers logs.
  for (const child of ['framework-isComplete', 'framework-onTimeout']) {
    const fn = provider.node.tryFindChild(child) as lambda.Function | undefined;
    if (fn) {
      Validations.of(provider).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${stack.resolve(stack.getLogicalId(fn.node.defaultChild as CfnElement))}.Arn>:*]`,
        reason: "The provider framework's waiter may invoke every version of the framework's own functions, nothing else.",
      });
    }
  }
  Validations.of(provider).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: "CloudWatch Logs delivery for the provider framework's waiter state machine has no resource-level permissions.",
  });
  return provider;
}
