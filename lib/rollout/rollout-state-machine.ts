import { Annotations, ArnFormat, CfnElement, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { BuiltInAlarmOptions, InsufficientDataPolicy } from './alarm-options';
import { Rollout, RolloutStep } from './rollout';
import { SmokeTest } from './smoke-test';
import { grantServiceItems, rolloutStateTable } from './state-table';
import { acknowledgeExecutionWildcard, describeExecutionsStatement } from './execution-access';
import { libraryFunction } from './library-function';
import { allow, sharedHandler } from '../private/handler-code';
import { acknowledgeHandlerRole } from '../private/nag-acknowledgements';

/** The metrics of one color the built-in alarms are made of (all from the color's target group). */
export interface ColorMetrics {
  /** `RequestCount` (Sum). */
  readonly requestCount: cloudwatch.IMetric;
  /** `HTTPCode_Target_5XX_Count` (Sum). */
  readonly target5xxCount: cloudwatch.IMetric;
  /** `TargetResponseTime` (p99). */
  readonly p99ResponseTime: cloudwatch.IMetric;
  /** `UnHealthyHostCount` (Maximum). */
  readonly unhealthyHostCount: cloudwatch.IMetric;
}

/** One color as the rollout sees it. */
export interface RolloutColor {
  readonly targetGroup: elbv2.IApplicationTargetGroup;
  readonly autoScalingGroupName: string;
  /**
   * Healthy targets required before any traffic goes to this color (usually its configured
   * capacity). The health gate waits for the group's current desired capacity when that is larger.
   */
  readonly requiredHealthyTargets: number;
  readonly metrics: ColorMetrics;
}

/** How the smoke test function reaches the test listener. */
export interface SmokeTestNetwork {
  readonly vpc: ec2.IVpc;
  /** @default - the VPC's private subnets with egress */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups of the smoke test function; the test listener must accept them.
   *
   * @default - a new security group with all outbound traffic allowed
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /** `http://<load balancer DNS>:<test port>` (no path; the smoke test adds its own). */
  readonly testListenerUrl: string;
  /**
   * The load balancer's full name (`app/<name>/<id>`, its `loadBalancerFullName`): the smoke test
   * then connects to the load balancer's private addresses, found through its network interfaces,
   * keeping `testListenerUrl` as the URL and Host header. Set it for internet-facing load
   * balancers: their DNS name resolves to public addresses, so the request would leave through
   * NAT and the test listener's security group, which admits the smoke test function's security
   * group, would drop it.
   *
   * @default - the smoke test connects to the addresses `testListenerUrl`'s host name resolves to
   * (right for internal load balancers)
   */
  readonly loadBalancerFullName?: string;
}

/** Props of {@link RolloutStateMachine}. */
export interface RolloutStateMachineProps {
  /** Unique per stack; the state table key and the name in every message. */
  readonly serviceName: string;
  /** ARN of the weighted listener rule (owned by Custom::BlueGreenTraffic). */
  readonly ruleArn: string;
  /**
   * ARN of the test listener's rule; it forwards to the idle color and is pointed at the old color
   * when a rollout succeeds. Must be a non-default rule (ModifyRule cannot change default rules).
   *
   * @default - no test listener: nothing is repointed
   */
  readonly testRuleArn?: string;
  readonly blue: RolloutColor;
  readonly green: RolloutColor;
  /** @default - none: only the built-in alarms */
  readonly alarms?: cloudwatch.IAlarm[];
  /** @default Rollout.steps([10, 50, 100]) with 5-minute bakes */
  readonly plan?: Rollout;
  /** @default - no smoke test */
  readonly smokeTest?: SmokeTest;
  /** Required for `SmokeTest.http`. @default - none */
  readonly smokeTestNetwork?: SmokeTestNetwork;
  /**
   * How often alarms are checked during a bake and target health during the health gate. Whole
   * seconds from 1 to 60; the time from an alarm to restored weights is about one interval.
   *
   * @default Duration.seconds(10)
   */
  readonly pollInterval?: Duration;
  /** @default Duration.minutes(10) */
  readonly healthGateTimeout?: Duration;
  /** @default InsufficientDataPolicy.TREAT_AS_OK */
  readonly insufficientData?: InsufficientDataPolicy;
  /** @default - all built-in alarms enabled with their defaults */
  readonly builtInAlarms?: BuiltInAlarmOptions;
}

/** Names of the error types the state machine retries before they count as failures. */
const RETRIED_HANDLER_ERRORS = ['AwsThrottled', 'AwsUnavailable', 'Lambda.TooManyRequestsException'];

/**
 * Step Functions refuses executions with more than 25,000 history events; one bake poll writes
 * about 9 (Map iteration, Wait, Task). This keeps a margin for everything else.
 */
const MAX_TOTAL_POLLS = 2400;
/** States.ArrayRange returns at most 1,000 items. */
const MAX_POLLS_PER_STEP = 1000;

/**
 * The rollout state machine of one service: lock, health gate, smoke test, then for each step
 * set weights, read them back and bake while watching alarms; finalize. Any failure goes to one
 * rollback path that restores 100% to `from`, reads it back, and fails with an actionable cause.
 *
 * Tasks run the stack's shared rollout handler (payload `action` says which step); the service's
 * configuration is in each task's Parameters, so one function serves every service. Tasks read
 * `$$.Execution.Id`, `.Name`, `.StartTime` and `.Input` from the context object.
 */
export class RolloutStateMachine extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly plan: Rollout;
  /** The stack's shared rollout state table. */
  public readonly stateTable: dynamodb.Table;
  /** The stack's shared rollout handler. */
  public readonly handler: lambda.Function;
  /** The smoke test function (HTTP smoke tests only). */
  public readonly smokeTestFunction?: lambda.Function;
  /**
   * The built-in alarm of each color: one alarm over every enabled condition, or none when all
   * three are disabled.
   */
  public readonly builtInAlarms: { readonly BLUE: cloudwatch.Alarm[]; readonly GREEN: cloudwatch.Alarm[] };
  /** Target group ARNs per color. */
  public readonly targetGroupArns: { readonly BLUE: string; readonly GREEN: string };
  /** Seconds between two checks in bakes and in the health gate. */
  public readonly pollIntervalSeconds: number;
  /**
   * The longest a rollout can take before it ends (success or rollback): health gate timeout,
   * smoke test attempts, every bake rounded up to whole polls, and API time. The release custom
   * resource compares it with CloudFormation's one-hour limit.
   */
  public readonly maxDuration: Duration;

  constructor(scope: Construct, id: string, props: RolloutStateMachineProps) {
    super(scope, id);
    validateServiceName(props.serviceName);
    this.plan = props.plan ?? Rollout.steps([10, 50, 100]);
    this.pollIntervalSeconds = wholeSeconds('pollInterval', props.pollInterval ?? Duration.seconds(10), 1, 60);
    const healthGateTimeoutSeconds = wholeSeconds('healthGateTimeout', props.healthGateTimeout ?? Duration.minutes(10), 0, 3600);
    for (const [color, c] of [['blue', props.blue], ['green', props.green]] as const) {
      if (!Token.isUnresolved(c.requiredHealthyTargets) &&
          (!Number.isInteger(c.requiredHealthyTargets) || c.requiredHealthyTargets < 1)) {
        throw new Error(
          `${this.node.path}: ${color}.requiredHealthyTargets must be a whole number of at least 1, got ` +
          `${c.requiredHealthyTargets}. Traffic never goes to a color without healthy targets.`,
        );
      }
    }
    const polls = this.plan.trafficSteps.map((s) => Math.ceil(s.bakeSeconds / this.pollIntervalSeconds));
    validatePollBudget(this.node.path, this.plan.trafficSteps, polls, this.pollIntervalSeconds);
    if (props.smokeTest?.httpCheck && !props.smokeTestNetwork) {
      throw new Error(
        `${this.node.path}: SmokeTest.http needs the network to reach the test listener from (smokeTestNetwork). ` +
        'This is a cdk-blue-green wiring bug; please report it.',
      );
    }

    this.stateTable = rolloutStateTable(this);
    this.handler = sharedHandler(this, {
      name: 'rollout',
      description: 'runs the steps of blue-green rollouts (lock, health gate, weights, alarms, rollback)',
      // Room for a user's smoke test function (5 minutes); every other task has its own 70 s limit.
      timeout: Duration.minutes(6),
    });
    this.builtInAlarms = {
      BLUE: createBuiltInAlarms(this, 'Blue', props.blue.metrics, props.builtInAlarms ?? {}, props.serviceName, 'BLUE'),
      GREEN: createBuiltInAlarms(this, 'Green', props.green.metrics, props.builtInAlarms ?? {}, props.serviceName, 'GREEN'),
    };

    this.targetGroupArns = { BLUE: props.blue.targetGroup.targetGroupArn, GREEN: props.green.targetGroup.targetGroupArn };
    const service = {
      name: props.serviceName,
      tableName: this.stateTable.tableName,
      ruleArn: props.ruleArn,
      testRuleArn: props.testRuleArn ?? '',
      targetGroups: this.targetGroupArns,
      autoScalingGroups: { BLUE: props.blue.autoScalingGroupName, GREEN: props.green.autoScalingGroupName },
      requiredHealthyTargets: { BLUE: props.blue.requiredHealthyTargets, GREEN: props.green.requiredHealthyTargets },
      alarmNames: {
        any: (props.alarms ?? []).map((a) => a.alarmName),
        BLUE: this.builtInAlarms.BLUE.map((a) => a.alarmName),
        GREEN: this.builtInAlarms.GREEN.map((a) => a.alarmName),
      },
      insufficientData: props.insufficientData ?? InsufficientDataPolicy.TREAT_AS_OK,
      healthGate: { intervalSeconds: this.pollIntervalSeconds, timeoutSeconds: healthGateTimeoutSeconds },
      plan: this.plan.trafficSteps.map((s) => ({ percent: s.percent, bakeSeconds: s.bakeSeconds })),
    };

    if (props.smokeTest?.httpCheck && props.smokeTestNetwork) {
      this.smokeTestFunction = createSmokeTestFunction(this, props.smokeTestNetwork, props.smokeTest.httpCheck);
    }

    const definition = new RolloutDefinition(this, {
      service,
      handler: this.handler,
      steps: this.plan.trafficSteps,
      polls,
      pollIntervalSeconds: this.pollIntervalSeconds,
      smokeTest: props.smokeTest,
      smokeTestFunction: this.smokeTestFunction,
      testListenerUrl: props.smokeTestNetwork?.testListenerUrl ?? '',
      loadBalancerFullName: props.smokeTestNetwork?.loadBalancerFullName,
    });

    const logGroup = sharedRolloutLogGroup(this);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(definition.start),
      comment: `cdk-blue-green rollout of ${props.serviceName}: input {"from": "BLUE"|"GREEN", "to": ..., "reason": "..."}`,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      role: sharedStateMachineRole(this),
    });
    for (const fn of [this.handler, this.smokeTestFunction]) {
      if (fn) {
        const stack = Stack.of(fn);
        Validations.of(this.stateMachine.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::<${stack.resolve(stack.getLogicalId(fn.node.defaultChild as CfnElement))}.Arn>:*]`,
          reason: 'The state machine may invoke every version of the library\'s own handler function, nothing else.',
        });
      }
    }

    this.grantHandler(props);
    // The lock step checks whether a lock holder still runs. A separate policy: the handler's
    // default policy cannot name the state machine, which already depends on the handler.
    new iam.Policy(this, 'LockHolderStatus', {
      roles: [this.handler.role!],
      statements: [describeExecutionsStatement(this.stateMachine)],
    });
    acknowledgeExecutionWildcard(this, this.stateMachine);
    const smokeAttempts = props.smokeTest?.httpCheck
      ? props.smokeTest.httpCheck.attempts * (props.smokeTest.httpCheck.timeoutSeconds + props.smokeTest.httpCheck.intervalSeconds)
      : props.smokeTest?.handler ? 300 : 0;
    const perStepApiSeconds = 30;
    const rollbackSeconds = 60;
    this.maxDuration = Duration.seconds(
      healthGateTimeoutSeconds + smokeAttempts + 30 +
      polls.reduce((sum, n) => sum + n * this.pollIntervalSeconds, 0) +
      this.plan.trafficSteps.length * perStepApiSeconds + rollbackSeconds,
    );
    warnOnStickiness(this, [props.blue.targetGroup, props.green.targetGroup]);
  }

  private grantHandler(props: RolloutStateMachineProps): void {
    const role = this.handler.role!;
    role.addToPrincipalPolicy(allow(['elasticloadbalancing:ModifyRule'],
      [props.ruleArn, ...(props.testRuleArn ? [props.testRuleArn] : [])]));
    grantServiceItems(this.stateTable, role, props.serviceName, ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem']);
    if (props.smokeTest?.handler) {
      props.smokeTest.handler.grantInvoke(role);
    }
    // These read-only APIs have no resource-level permissions: '*' is the only valid resource.
    const stack = Stack.of(this);
    if (!stack.node.tryFindChild('CdkBlueGreenRolloutReadOnly')) {
      const readOnly = new iam.Policy(stack, 'CdkBlueGreenRolloutReadOnly', {
        roles: [role],
        statements: [allow([
          'elasticloadbalancing:DescribeRules',
          'elasticloadbalancing:DescribeTargetHealth',
          'autoscaling:DescribeAutoScalingGroups',
          'cloudwatch:DescribeAlarms',
        ], ['*'])],
      });
      acknowledgeHandlerRole(readOnly);
      // Also once per stack: the shared handler emits every service's rollout events (invariant 6),
      // on the account's default event bus and no other.
      role.addToPrincipalPolicy(allow(['events:PutEvents'], [stack.formatArn({
        service: 'events',
        resource: 'event-bus',
        resourceName: 'default',
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      })]));
    }
  }
}

interface DefinitionProps {
  readonly service: Record<string, unknown>;
  readonly handler: lambda.IFunction;
  readonly steps: RolloutStep[];
  readonly polls: number[];
  readonly pollIntervalSeconds: number;
  readonly smokeTest?: SmokeTest;
  readonly smokeTestFunction?: lambda.IFunction;
  readonly testListenerUrl: string;
  readonly loadBalancerFullName?: string;
}

/**
 * The states, kept small on purpose: a bake poll is a Map iteration of one Wait and one Task
 * (2 transitions), so the default plan (3 steps, 5-minute bakes, 10 s polls) takes about 200
 * state transitions.
 */
class RolloutDefinition {
  public readonly start: sfn.IChainable;
  private readonly scope: Construct;
  private readonly props: DefinitionProps;

  constructor(scope: Construct, props: DefinitionProps) {
    this.scope = scope;
    this.props = props;

    const rolledBack = new sfn.Fail(scope, 'Rolled back', {
      comment: 'Traffic is back on `from`; the cause says which step, which check and what was observed.',
      errorPath: '$.rollback.error',
      causePath: '$.rollback.cause',
    });
    const rollbackFailed = new sfn.Fail(scope, 'Rollback failed', {
      comment: 'Restoring `from` failed after retries: the lock stays held so nothing else moves traffic.',
      error: 'RollbackFailed',
      causePath: '$.rollbackFailure.Cause',
    });
    const rollback = this.task('Roll back', 'rollback', {}, '$.rollback');
    // The rollback itself must survive a bad minute of the AWS APIs.
    rollback.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 8, maxDelay: Duration.seconds(30) });
    rollback.addCatch(rollbackFailed, { resultPath: '$.rollbackFailure' });
    rollback.next(rolledBack);

    const refused = new sfn.Fail(scope, 'Rollout refused', {
      comment: 'Nothing was changed: invalid input, another rollout holds the lock, or the start was unsafe.',
      errorPath: '$.failure.Error',
      causePath: '$.failure.Cause',
    });
    const lock = this.task('Lock', 'lock', {}, '$.progress');
    lock.addCatch(refused, { resultPath: '$.failure' });

    const checkHealth = this.task('Health gate: check targets', 'checkHealth', {}, '$.health');
    checkHealth.addCatch(rollback, { resultPath: '$.failure' });
    const healthWait = new sfn.Wait(scope, 'Health gate: wait', {
      time: sfn.WaitTime.duration(Duration.seconds(props.pollIntervalSeconds)),
    });
    healthWait.next(checkHealth);

    lock.next(checkHealth);
    const afterHealth: sfn.IChainable[] = [];

    const smoke = this.smokeTestTask();
    if (smoke) {
      smoke.addCatch(rollback, { resultPath: '$.failure' });
      afterHealth.push(smoke);
    }

    props.steps.forEach((step, i) => {
      const index = i + 1;
      const polls = props.polls[i];
      const stepConfig = {
        index,
        count: props.steps.length,
        percent: step.percent,
        bakeSeconds: step.bakeSeconds,
        pollIntervalSeconds: props.pollIntervalSeconds,
        polls,
      };
      const label = `Step ${index} (${step.percent}%)`;
      const setWeights = this.task(`${label}: set weights`, 'setWeights', { step: stepConfig }, '$.progress');
      const verify = this.task(`${label}: verify weights`, 'verifyWeights', { step: stepConfig }, '$.verified',
        polls > 0 ? { split: sfn.JsonPath.stringAt('$.split'), bakePolls: sfn.JsonPath.arrayRange(1, polls, 1) } : undefined);
      verify.addRetry({ errors: ['WeightsNotApplied'], interval: Duration.seconds(1), backoffRate: 2, maxAttempts: 3 });
      setWeights.addCatch(rollback, { resultPath: '$.failure' });
      verify.addCatch(rollback, { resultPath: '$.failure' });
      afterHealth.push(setWeights, verify);
      if (polls > 0) {
        const bake = new sfn.Map(scope, `${label}: bake`, {
          comment: `${polls} alarm checks, one every ${props.pollIntervalSeconds} s (${step.bakeSeconds} s bake)`,
          itemsPath: '$.verified.bakePolls',
          itemSelector: { poll: sfn.JsonPath.stringAt('$$.Map.Item.Value') },
          maxConcurrency: 1,
          resultPath: sfn.JsonPath.DISCARD,
        });
        const wait = new sfn.Wait(scope, `${label}: wait`, {
          time: sfn.WaitTime.duration(Duration.seconds(props.pollIntervalSeconds)),
        });
        const check = this.task(`${label}: check alarms`, 'checkAlarms', {
          step: stepConfig,
          poll: sfn.JsonPath.numberAt('$.poll'),
        }, sfn.JsonPath.DISCARD);
        bake.itemProcessor(wait.next(check));
        bake.addCatch(rollback, { resultPath: '$.failure' });
        afterHealth.push(bake);
      }
    });

    const finalize = this.task('Finalize', 'finalize', {}, '$.finalized');
    finalize.addCatch(rollback, { resultPath: '$.failure' });
    afterHealth.push(finalize, new sfn.Succeed(scope, 'Rollout succeeded'));

    const [first, ...rest] = afterHealth;
    const healthReady = new sfn.Choice(scope, 'Health gate: ready?')
      .when(sfn.Condition.booleanEquals('$.health.ready', true), first)
      .otherwise(healthWait);
    checkHealth.next(healthReady);
    let previous = first as unknown as sfn.INextable;
    for (const state of rest) {
      previous.next(state);
      previous = state as unknown as sfn.INextable;
    }
    this.start = lock;
  }

  /** A task on the shared rollout handler: common Parameters plus `extra`. */
  private task(
    name: string,
    action: string,
    extra: Record<string, unknown>,
    resultPath: string,
    resultSelector?: Record<string, unknown>,
    timeout: Duration = Duration.seconds(70),
  ): tasks.LambdaInvoke {
    const task = new tasks.LambdaInvoke(this.scope, name, {
      lambdaFunction: this.props.handler,
      payloadResponseOnly: true,
      payload: sfn.TaskInput.fromObject({
        action,
        service: this.props.service,
        input: sfn.JsonPath.objectAt('$$.Execution.Input'),
        execution: {
          id: sfn.JsonPath.executionId,
          name: sfn.JsonPath.executionName,
          startTime: sfn.JsonPath.executionStartTime,
        },
        state: sfn.JsonPath.objectAt('$'),
        ...extra,
      }),
      resultPath,
      resultSelector,
      taskTimeout: sfn.Timeout.duration(timeout),
    });
    task.addRetry({
      errors: RETRIED_HANDLER_ERRORS,
      interval: Duration.seconds(1),
      backoffRate: 2,
      maxAttempts: 5,
      maxDelay: Duration.seconds(20),
      jitterStrategy: sfn.JitterType.FULL,
    });
    return task;
  }

  private smokeTestTask(): tasks.LambdaInvoke | undefined {
    const { smokeTest, smokeTestFunction } = this.props;
    if (smokeTest?.handler) {
      return this.task('Smoke test', 'runSmokeTest', {
        smokeFunctionArn: smokeTest.handler.functionArn,
        testUrl: this.props.testListenerUrl,
      }, sfn.JsonPath.DISCARD, undefined, Duration.minutes(5).plus(Duration.seconds(30)));
    }
    if (smokeTest?.httpCheck && smokeTestFunction) {
      const check = smokeTest.httpCheck;
      const task = new tasks.LambdaInvoke(this.scope, 'Smoke test', {
        lambdaFunction: smokeTestFunction,
        payloadResponseOnly: true,
        payload: sfn.TaskInput.fromObject({
          baseUrl: this.props.testListenerUrl,
          check,
          service: (this.props.service as { name: string }).name,
          color: sfn.JsonPath.stringAt('$$.Execution.Input.to'),
          ...(this.props.loadBalancerFullName ? { loadBalancerFullName: this.props.loadBalancerFullName } : {}),
        }),
        // Kept for the first step's task, which emits the Smoke Test Passed event: this function
        // runs in the user's VPC, where EventBridge may be out of reach.
        resultSelector: { url: sfn.JsonPath.stringAt('$.url'), status: sfn.JsonPath.numberAt('$.status') },
        resultPath: '$.smokeTest',
        taskTimeout: sfn.Timeout.duration(Duration.seconds(check.timeoutSeconds + 30)),
      });
      task.addRetry({ errors: RETRIED_HANDLER_ERRORS, interval: Duration.seconds(1), backoffRate: 2, maxAttempts: 5 });
      if (check.attempts > 1) {
        task.addRetry({
          errors: ['SmokeTestFailed'],
          interval: Duration.seconds(check.intervalSeconds),
          backoffRate: 1,
          maxAttempts: check.attempts - 1,
        });
      }
      return task;
    }
    return undefined;
  }
}

/** The enabled built-in conditions of one color, validated, with their thresholds. */
interface BuiltInConditions {
  readonly errorRate?: { readonly thresholdPercent: number; readonly minimumRequests: number };
  readonly responseTime?: { readonly p99: Duration };
  readonly unhealthyHosts?: { readonly threshold: number };
}

function builtInConditions(options: BuiltInAlarmOptions): BuiltInConditions {
  let errorRate: BuiltInConditions['errorRate'];
  if (options.errorRate?.enabled ?? true) {
    const thresholdPercent = options.errorRate?.thresholdPercent ?? 5;
    const minimumRequests = options.errorRate?.minimumRequests ?? 20;
    if (!(thresholdPercent > 0 && thresholdPercent <= 100)) {
      throw new Error(`builtInAlarms.errorRate.thresholdPercent must be greater than 0 and at most 100, got ${thresholdPercent}.`);
    }
    if (!Number.isInteger(minimumRequests) || minimumRequests < 1) {
      throw new Error(`builtInAlarms.errorRate.minimumRequests must be a whole number of at least 1, got ${minimumRequests}.`);
    }
    errorRate = { thresholdPercent, minimumRequests };
  }
  let responseTime: BuiltInConditions['responseTime'];
  if (options.responseTime?.enabled ?? true) {
    const p99 = options.responseTime?.p99Threshold ?? Duration.seconds(2);
    const ms = p99.toMilliseconds();
    if (ms < 10 || ms > 600_000) {
      throw new Error(`builtInAlarms.responseTime.p99Threshold must be from 10 ms to 10 minutes, got ${p99.toHumanString()}.`);
    }
    responseTime = { p99 };
  }
  let unhealthyHosts: BuiltInConditions['unhealthyHosts'];
  if (options.unhealthyHosts?.enabled ?? true) {
    const threshold = options.unhealthyHosts?.threshold ?? 1;
    if (!Number.isInteger(threshold) || threshold < 1) {
      throw new Error(`builtInAlarms.unhealthyHosts.threshold must be a whole number of at least 1, got ${threshold}.`);
    }
    unhealthyHosts = { threshold };
  }
  return { errorRate, responseTime, unhealthyHosts };
}

/**
 * The one built-in alarm of a color (none when every condition is disabled): one alarm instead of
 * three keeps a service small enough for twenty of them to fit CloudFormation's 500-resource limit.
 *
 * A metric-math expression ORs the enabled conditions and is 1 in a minute where any of them
 * breaches, 0 otherwise. Each metric is FILLed
 * with 0, so a minute without requests (no 5XX count, no response time) is judged on the metrics
 * that do have data, and a color without traffic does not look broken. The error rate is compared
 * as `100 * errors > threshold * requests`, which needs no division by a request count of zero.
 * The description lists the conditions with their thresholds, because the rollback cause names
 * the alarm and its state reason (which gives only the expression's value).
 */
function createBuiltInAlarms(
  scope: Construct,
  prefix: string,
  metrics: ColorMetrics,
  options: BuiltInAlarmOptions,
  serviceName: string,
  color: string,
): cloudwatch.Alarm[] {
  const conditions = builtInConditions(options);
  const terms: string[] = [];
  const descriptions: string[] = [];
  const usingMetrics: Record<string, cloudwatch.IMetric> = {};
  if (conditions.errorRate) {
    const { thresholdPercent, minimumRequests } = conditions.errorRate;
    usingMetrics.requests = metrics.requestCount;
    usingMetrics.errors = metrics.target5xxCount;
    terms.push(`(FILL(requests, 0) >= ${minimumRequests} AND 100 * FILL(errors, 0) > ${thresholdPercent} * FILL(requests, 0))`);
    descriptions.push(`target 5XX rate above ${thresholdPercent}% (judged from ${minimumRequests} requests per minute)`);
  }
  if (conditions.responseTime) {
    const { p99 } = conditions.responseTime;
    usingMetrics.p99 = metrics.p99ResponseTime;
    // TargetResponseTime is in seconds.
    terms.push(`FILL(p99, 0) > ${p99.toMilliseconds() / 1000}`);
    descriptions.push(`p99 target response time above ${p99.toHumanString()}`);
  }
  if (conditions.unhealthyHosts) {
    const { threshold } = conditions.unhealthyHosts;
    usingMetrics.unhealthy = metrics.unhealthyHostCount;
    terms.push(`FILL(unhealthy, 0) >= ${threshold}`);
    descriptions.push(`${threshold} or more unhealthy targets`);
  }
  if (terms.length === 0) {
    return [];
  }
  return [new cloudwatch.Alarm(scope, `${prefix}HealthAlarm`, {
    alarmDescription:
      `cdk-blue-green ${serviceName} ${color}: in ALARM when, in any minute, ${descriptions.join('; or ')}. ` +
      `See the ${color} target group's RequestCount, HTTPCode_Target_5XX_Count, TargetResponseTime (p99) and ` +
      'UnHealthyHostCount metrics for which one.',
    metric: new cloudwatch.MathExpression({
      expression: `IF(${terms.join(' OR ')}, 1, 0)`,
      usingMetrics,
      period: Duration.minutes(1),
      label: `${color} built-in conditions breached (1) or not (0)`,
    }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    // No requests means no errors and no latency: a color without traffic must not look broken.
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  })];
}

/**
 * The stack's one log group for every rollout state machine in it, like the shared handlers: one
 * per service would cost a resource each against CloudFormation's 500-resource limit. Each event
 * carries its execution ARN, which names the state machine, so the services stay apart.
 */
function sharedRolloutLogGroup(scope: Construct): logs.ILogGroup {
  const stack = Stack.of(scope);
  const id = 'CdkBlueGreenRolloutLogs';
  return stack.node.tryFindChild(id) as logs.LogGroup | undefined
    ?? new logs.LogGroup(stack, id, { retention: logs.RetentionDays.THREE_MONTHS });
}

/**
 * The stack's one role for every rollout state machine in it: one per service (role and policy)
 * would cost two resources each against CloudFormation's 500-resource limit. What the machines
 * need is the same (invoke the shared rollout handler, deliver logs, trace); a service's HTTP
 * smoke test adds a statement naming exactly its own function, as the shared rollout handler's
 * role names each service's own rules.
 */
function sharedStateMachineRole(scope: Construct): iam.IRole {
  const stack = Stack.of(scope);
  const id = 'CdkBlueGreenRolloutStateMachineRole';
  const existing = stack.node.tryFindChild(id) as iam.Role | undefined;
  if (existing) {
    return existing;
  }
  const role = new iam.Role(stack, id, {
    assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
    description: 'cdk-blue-green rollout state machines: invoke the library\'s rollout and smoke test functions, deliver logs, trace',
  });
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'Step Functions needs X-Ray and CloudWatch Logs delivery actions, which have no resource-level permissions.',
  });
  return role;
}

function createSmokeTestFunction(
  scope: Construct,
  network: SmokeTestNetwork,
  check: { readonly timeoutSeconds: number },
): lambda.Function {
  const fn = libraryFunction(scope, 'SmokeTest', {
    bundle: 'smoke-test',
    entry: 'handler',
    description: 'HTTP smoke test of the idle color through the test listener',
    timeout: Duration.seconds(check.timeoutSeconds + 10),
    vpc: network.vpc,
    vpcSubnets: network.vpcSubnets,
    securityGroups: network.securityGroups,
  });
  if (network.loadBalancerFullName) {
    // Finds the load balancer's private addresses. Its own statement, although the VPC access
    // statement holds the same action today: this use must not depend on how that one is written.
    // DescribeNetworkInterfaces has no resource-level permissions: '*' is the only valid resource.
    fn.role!.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'FindLoadBalancerPrivateAddresses',
      actions: ['ec2:DescribeNetworkInterfaces'],
      resources: ['*'],
    }));
  }
  return fn;
}

function validateServiceName(name: string): void {
  if (!Token.isUnresolved(name) && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/.test(name)) {
    throw new Error(
      `serviceName must be 1-80 letters, digits, '.', '_' or '-' (starting with a letter or digit), got ${JSON.stringify(name)}.`,
    );
  }
}

function wholeSeconds(prop: string, value: Duration, min: number, max: number): number {
  if (value.isUnresolved()) {
    throw new Error(`${prop} must be a concrete duration, not a token.`);
  }
  const ms = value.toMilliseconds();
  if (ms % 1000 !== 0 || ms < min * 1000 || ms > max * 1000) {
    throw new Error(`${prop} must be whole seconds from ${min} to ${max}, got ${value.toHumanString()}.`);
  }
  return ms / 1000;
}

function validatePollBudget(path: string, steps: RolloutStep[], polls: number[], interval: number): void {
  polls.forEach((n, i) => {
    if (n > MAX_POLLS_PER_STEP) {
      throw new Error(
        `${path}: step ${i + 1} bakes ${steps[i].bakeSeconds} s with a ${interval} s pollInterval, which is ${n} alarm ` +
        `checks; at most ${MAX_POLLS_PER_STEP} fit in one step. Increase pollInterval to at least ` +
        `${Math.ceil(steps[i].bakeSeconds / MAX_POLLS_PER_STEP)} s or shorten the bake.`,
      );
    }
  });
  const total = polls.reduce((a, b) => a + b, 0);
  if (total > MAX_TOTAL_POLLS) {
    const totalBake = steps.reduce((a, s) => a + s.bakeSeconds, 0);
    throw new Error(
      `${path}: the plan bakes ${totalBake} s in total with a ${interval} s pollInterval, which is ${total} alarm checks; ` +
      `a Step Functions execution history holds about ${MAX_TOTAL_POLLS}. Increase pollInterval to at least ` +
      `${Math.ceil(totalBake / MAX_TOTAL_POLLS)} s or shorten the bakes.`,
    );
  }
}

/**
 * Target-group stickiness keeps a client on the color it first reached, so weights (and a
 * rollback) move only new clients. The rule's own group stickiness is disabled by the traffic
 * custom resource; target-group-level stickiness is the user's choice, so it is a warning.
 */
function warnOnStickiness(scope: Construct, targetGroups: elbv2.IApplicationTargetGroup[]): void {
  scope.node.addValidation({
    validate: () => {
      for (const tg of targetGroups) {
        const cfn = tg.node.defaultChild as elbv2.CfnTargetGroup | undefined;
        if (!cfn || !(cfn instanceof elbv2.CfnTargetGroup)) {
          continue;
        }
        const attributes = Stack.of(scope).resolve(cfn.targetGroupAttributes) as Array<{ key?: string; value?: string }> | undefined;
        if ((attributes ?? []).some((a) => a.key === 'stickiness.enabled' && a.value === 'true')) {
          Annotations.of(scope).addWarningV2('cdk-blue-green:stickiness',
            `Target group ${tg.node.path} has stickiness enabled: clients keep going to the color they first ` +
            'reached, so a weight shift moves only new clients and a rollback does not move existing sessions ' +
            'off the failing color until their cookie expires. Disable stickiness, or accept that behaviour.');
        }
      }
      return [];
    },
  });
}
