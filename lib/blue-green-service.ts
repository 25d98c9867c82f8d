import { createHash } from 'node:crypto';
import { Annotations, CustomResource, Duration, Fn, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { Color } from './color';
import { Fleet, FleetOptions } from './fleet';
import { Migrations } from './migrations';
import { BuiltInAlarmOptions, InsufficientDataPolicy, RolloutTrigger } from './rollout/alarm-options';
import { Rollout } from './rollout/rollout';
import { RolloutRelease } from './rollout/rollout-release';
import { RolloutColor, RolloutStateMachine, SmokeTestNetwork } from './rollout/rollout-state-machine';
import { SmokeTest } from './rollout/smoke-test';
import { LiveFleetGuard } from './guard/live-fleet-guard';
import { acknowledgeFleet } from './private/nag-acknowledgements';
import { DEFAULT_TEST_LISTENER_PORT, validateServiceProps } from './private/service-validation';
import { MATCH_ALL_PATHS, toRuleConditions } from './traffic/rule-conditions';
import { RulePlacement, TrafficRule } from './traffic/traffic-rule';

/**
 * Properties of a {@link BlueGreenService}.
 *
 * Only `vpc`, `blue`, `green` and `live` are required: the rest has secure defaults.
 */
export interface BlueGreenServiceProps {
  /** VPC of the fleets and (when the service creates it) the load balancer. */
  readonly vpc: ec2.IVpc;

  /** The blue fleet. */
  readonly blue: FleetOptions;

  /** The green fleet. */
  readonly green: FleetOptions;

  /**
   * The color that serves user traffic after this deploy.
   *
   * On the first deploy it receives 100%. Change it to release the version on the other color.
   */
  readonly live: Color;

  /**
   * Port the application listens on, on both colors.
   *
   * It is part of both colors' configuration (changing it replaces the target groups), so the
   * live-fleet guard refuses to change it while a color serves traffic.
   *
   * @default 80
   */
  readonly instancePort?: number;

  /**
   * How long the load balancer lets in-flight requests finish on an instance leaving a target
   * group (0 to 3600 seconds). Short, because a rollout replaces whole fleets and waits for it.
   *
   * @default Duration.seconds(30)
   */
  readonly deregistrationDelay?: Duration;

  /**
   * Whether instances may open connections to any destination.
   *
   * Instances accept inbound traffic only from the load balancer on the instance (and health
   * check) port. Outbound, they usually need Systems Manager, package repositories and their
   * dependencies; set this to false and allow each destination through `instanceSecurityGroup`
   * to restrict it.
   *
   * @default true
   */
  readonly instancesAllowAllOutbound?: boolean;

  // ---- the load balancer the service creates (when `listener` is not given) ----

  /**
   * Whether the created load balancer is reachable from the internet.
   *
   * @default true
   */
  readonly internetFacing?: boolean;

  /**
   * Subnets of the created load balancer.
   *
   * @default - public subnets when internet-facing, private subnets with egress otherwise
   */
  readonly loadBalancerSubnets?: ec2.SubnetSelection;

  /**
   * Certificates for an HTTPS listener. When given, the main listener is HTTPS and port 80
   * redirects to it (see `redirectHttp`).
   *
   * @default - an HTTP listener only
   */
  readonly certificates?: acm.ICertificate[];

  /**
   * TLS policy of the HTTPS listener.
   *
   * @default SslPolicy.RECOMMENDED_TLS
   */
  readonly sslPolicy?: elbv2.SslPolicy;

  /**
   * Port of the main listener.
   *
   * @default - 443 with `certificates`, 80 without
   */
  readonly listenerPort?: number;

  /**
   * With `certificates`: whether an HTTP listener on port 80 redirects to the HTTPS listener.
   *
   * @default true
   */
  readonly redirectHttp?: boolean;

  /**
   * Who may reach the main listener (and the HTTP redirect).
   *
   * @default - anyone: `[Peer.anyIpv4()]`
   */
  readonly listenerPeers?: ec2.IPeer[];

  /**
   * Whether the created load balancer has deletion protection.
   *
   * @default false
   */
  readonly deletionProtection?: boolean;

  /**
   * Bucket the created load balancer writes access logs to (SSE-S3 encrypted; KMS is not
   * supported by ELB). Needs a stack with a concrete region.
   *
   * @default - no access logs
   */
  readonly accessLogBucket?: s3.IBucket;

  /**
   * Prefix of the access log objects.
   *
   * @default - no prefix
   */
  readonly accessLogPrefix?: string;

  // ---- an existing listener instead ----

  /**
   * An existing listener to serve the service on, instead of creating a load balancer. The
   * service adds one rule to it (`listenerRulePriority`, `listenerConditions`), owned by the
   * traffic custom resource.
   *
   * The test listener then needs a place: `testListener` (share one of yours), or a load balancer
   * to create it on (`loadBalancer`, or the listener's own when it is an `ApplicationListener` of
   * this app).
   *
   * @default - a new load balancer with its own listeners
   */
  readonly listener?: elbv2.IApplicationListener;

  /**
   * Priority of the service's rule on `listener` (1 to 50000, unique on the listener).
   *
   * @default - required with `listener`
   */
  readonly listenerRulePriority?: number;

  /**
   * Which requests on `listener` belong to this service (host header, path pattern, ...).
   *
   * @default - required with `listener`
   */
  readonly listenerConditions?: elbv2.ListenerCondition[];

  /**
   * With `listener`: the load balancer to create this service's test listener on.
   *
   * @default - the listener's load balancer when `listener` is an `ApplicationListener` of this app
   */
  readonly loadBalancer?: elbv2.IApplicationLoadBalancer;

  /**
   * With `listener`: an existing listener to put the test rule on, instead of creating a test
   * listener. The rule uses `listenerConditions` and `testListenerRulePriority`. Who may reach
   * it is up to that listener's security group.
   *
   * @default - a test listener is created on `testListenerPort`
   */
  readonly testListener?: elbv2.IApplicationListener;

  /**
   * Priority of the service's rule on `testListener` (1 to 50000).
   *
   * @default - `listenerRulePriority`
   */
  readonly testListenerRulePriority?: number;

  // ---- the test listener ----

  /**
   * Port of the test listener, which forwards to the idle color only (plain HTTP).
   *
   * @default 9000
   */
  readonly testListenerPort?: number;

  /**
   * Who may reach the test listener besides the library's own smoke tests, for example your
   * office CIDR. It is never open to the internet by default.
   *
   * @default - nobody (see `allowTestTrafficFrom`)
   */
  readonly testListenerPeers?: ec2.IPeer[];

  // ---- database migrations ----

  /**
   * Database migrations that run while both colors are live. They are checked at synthesis: a
   * statement that would break the version still running (or the one a rollback returns to)
   * fails the synthesis with its file, line, rule and a phased recipe, unless it is suppressed in
   * the SQL or acknowledged with a reason.
   *
   * @default - migrations are not checked
   */
  readonly migrations?: Migrations;

  // ---- the rollout ----

  /**
   * How traffic moves to the declared `live` color: the steps and the bake time at each.
   *
   * @default Rollout.steps([10, 50, 100]) with a 5-minute bake at each step
   */
  readonly rollout?: Rollout;

  /**
   * Your alarms, watched during every bake. Any of them in ALARM rolls the traffic back to the
   * previous color. The built-in per-color alarms (`builtInAlarms`) are watched as well.
   *
   * @default - only the built-in alarms
   */
  readonly alarms?: cloudwatch.IAlarm[];

  /**
   * Thresholds of the built-in alarms of the color receiving traffic (target 5XX rate, p99
   * response time, unhealthy hosts), or `enabled: false` to turn one off.
   *
   * @default - all built-in alarms enabled with their documented defaults
   */
  readonly builtInAlarms?: BuiltInAlarmOptions;

  /**
   * What a bake does with an alarm in INSUFFICIENT_DATA.
   *
   * @default InsufficientDataPolicy.TREAT_AS_OK
   */
  readonly insufficientData?: InsufficientDataPolicy;

  /**
   * A check of the new color before it gets any user traffic: an HTTP request through the test
   * listener (`SmokeTest.http`) or your own function (`SmokeTest.lambda`). A failure rolls back
   * with no user traffic moved.
   *
   * @default - no smoke test
   */
  readonly smokeTest?: SmokeTest;

  /**
   * How often alarms are checked during a bake, and target health during the health gate (whole
   * seconds, 1 to 60). The time from an alarm to restored weights is about one interval.
   *
   * @default Duration.seconds(10)
   */
  readonly pollInterval?: Duration;

  /**
   * How long the rollout waits for the new color to report its healthy targets before it gives up
   * (no weight ever moves in that case).
   *
   * @default Duration.minutes(10)
   */
  readonly healthGateTimeout?: Duration;

  /**
   * When the rollout to the declared `live` color runs: during `cdk deploy` (which then waits for
   * it and fails if it rolls back), or later, started by you.
   *
   * @default RolloutTrigger.ON_DEPLOY
   */
  readonly startRollout?: RolloutTrigger;

  /**
   * Acknowledges that traffic was moved outside CloudFormation (an emergency rollback), so this
   * deploy may move it again. A deploy that would undo such a move is refused, and its message
   * names the value to put here.
   *
   * @default - traffic moved outside CloudFormation is never moved back silently
   */
  readonly acknowledgeTrafficOverride?: string;
}

/**
 * An EC2 service released blue-green: two fleets (blue and green) behind an Application Load
 * Balancer, with the weights between them owned at run time, and a test listener that reaches the
 * idle color without user traffic.
 *
 * @example
 * new BlueGreenService(this, 'Web', {
 *   vpc,
 *   blue:  { machineImage, instanceType, userData: v1, capacity: { min: 2 } },
 *   green: { machineImage, instanceType, userData: v2, capacity: { min: 2 } },
 *   live: Color.BLUE,
 * });
 */
export class BlueGreenService extends Construct {
  /** The blue fleet. */
  public readonly blue: Fleet;

  /** The green fleet. */
  public readonly green: Fleet;

  /** The color declared live in this deploy. */
  public readonly liveColor: Color;

  /** The other color: where the next version goes. */
  public readonly idleColor: Color;

  /** The load balancer: created by the service, or the one given for an existing listener. */
  public readonly loadBalancer?: elbv2.IApplicationLoadBalancer;

  /** The listener user traffic arrives on. */
  public readonly listener: elbv2.IApplicationListener;

  /** The HTTP listener that redirects to HTTPS, when the service created one. */
  public readonly redirectListener?: elbv2.IApplicationListener;

  /** The listener that forwards to the idle color only, for smoke tests. */
  public readonly testListener: elbv2.IApplicationListener;

  /** Port of the test listener, when known. */
  public readonly testListenerPort?: number;

  /** Security group of both fleets' instances. */
  public readonly instanceSecurityGroup: ec2.ISecurityGroup;

  /** ARN of the weighted rule that carries user traffic (an attribute of the traffic custom resource). */
  public readonly trafficRuleArn: string;

  /** ARN of the rule on the test listener. */
  public readonly testTrafficRuleArn: string;

  /** The rollout state machine of this service (input `{ from, to, reason }`). */
  public readonly rolloutStateMachine: sfn.IStateMachine;

  /** The steps the rollout follows. */
  public readonly rolloutPlan: Rollout;

  /** The built-in alarms of the blue fleet, watched while blue receives traffic. */
  public readonly blueAlarms: cloudwatch.IAlarm[];

  /** The built-in alarms of the green fleet, watched while green receives traffic. */
  public readonly greenAlarms: cloudwatch.IAlarm[];

  /**
   * The `cdk deploy` release resource, which starts the rollout and waits for it.
   * Undefined with `startRollout: RolloutTrigger.MANUAL`.
   */
  public readonly release?: CustomResource;

  private readonly rolloutEngine: RolloutStateMachine;
  private readonly trafficRule: TrafficRule;

  constructor(scope: Construct, id: string, props: BlueGreenServiceProps) {
    super(scope, id);
    validateServiceProps(this.node.path, props);
    // Before anything else: an unsafe migration must stop the synthesis, not a half-built service.
    props.migrations?.check(this);

    this.liveColor = props.live;
    this.idleColor = props.live === Color.BLUE ? Color.GREEN : Color.BLUE;
    const instancePort = props.instancePort ?? 80;

    this.instanceSecurityGroup = new ec2.SecurityGroup(this, 'InstanceSecurityGroup', {
      vpc: props.vpc,
      description: `${this.node.path} instances: inbound from the load balancer only`,
      allowAllOutbound: props.instancesAllowAllOutbound ?? true,
    });
    const fleetProps = {
      vpc: props.vpc,
      instanceSecurityGroup: this.instanceSecurityGroup,
      instancePort,
      deregistrationDelay: props.deregistrationDelay,
    };
    const sharedProfile = this.createSharedInstanceProfile(props);
    this.blue = new Fleet(this, 'Blue', {
      ...props.blue, ...fleetProps, color: Color.BLUE,
      instanceProfile: usesSharedInstanceRole(props.blue) ? sharedProfile : undefined,
    });
    this.green = new Fleet(this, 'Green', {
      ...props.green, ...fleetProps, color: Color.GREEN,
      instanceProfile: usesSharedInstanceRole(props.green) ? sharedProfile : undefined,
    });

    let live: RulePlacement;
    let test: RulePlacement;
    if (props.listener) {
      this.listener = props.listener;
      this.loadBalancer = props.loadBalancer
        ?? (props.listener instanceof elbv2.ApplicationListener ? props.listener.loadBalancer : undefined);
      live = {
        listener: props.listener,
        priority: props.listenerRulePriority!,
        conditions: toRuleConditions(props.listenerConditions!),
      };
      if (props.testListener) {
        this.testListener = props.testListener;
        test = { ...live, listener: props.testListener, priority: props.testListenerRulePriority ?? live.priority };
      } else {
        this.testListenerPort = props.testListenerPort ?? DEFAULT_TEST_LISTENER_PORT;
        this.testListener = this.createTestListener(this.loadBalancer!, this.testListenerPort, props.testListenerPeers);
        test = { listener: this.testListener, priority: 1, conditions: MATCH_ALL_PATHS };
      }
    } else {
      const created = this.createLoadBalancer(props);
      this.loadBalancer = created.loadBalancer;
      this.listener = created.listener;
      this.redirectListener = created.redirectListener;
      this.testListenerPort = props.testListenerPort ?? DEFAULT_TEST_LISTENER_PORT;
      this.testListener = this.createTestListener(created.loadBalancer, this.testListenerPort, props.testListenerPeers);
      live = { listener: this.listener, priority: 1, conditions: MATCH_ALL_PATHS };
      test = { listener: this.testListener, priority: 1, conditions: MATCH_ALL_PATHS };
    }
    for (const fleet of [this.blue, this.green]) {
      this.connectListenerToFleet(fleet);
    }
    if (this.listener.connections.securityGroups.length === 0) {
      Annotations.of(this).addWarningV2('cdk-blue-green:listenerWithoutSecurityGroup',
        'The listener has no security group the library can see, so no rule lets the load balancer reach the instances. ' +
        'Import the listener with its securityGroup, or allow the load balancer into instanceSecurityGroup yourself.');
    }

    this.trafficRule = this.createTrafficRule(live, test);
    this.trafficRuleArn = this.trafficRule.ruleArn;
    this.testTrafficRuleArn = this.trafficRule.testRuleArn;
    const guard = this.createLiveFleetGuard(this.trafficRule);
    // Like each fleet's own profile: CloudFormation runs the guard before it touches the profile.
    sharedProfile?.node.addDependency(guard);

    this.rolloutEngine = this.createRollout(props);
    this.rolloutStateMachine = this.rolloutEngine.stateMachine;
    this.rolloutPlan = this.rolloutEngine.plan;
    this.blueAlarms = this.rolloutEngine.builtInAlarms.BLUE;
    this.greenAlarms = this.rolloutEngine.builtInAlarms.GREEN;
    if ((props.startRollout ?? RolloutTrigger.ON_DEPLOY) === RolloutTrigger.ON_DEPLOY) {
      this.release = this.createRelease(props).resource;
    }
  }

  /** The fleet of a color. */
  public fleet(color: Color): Fleet {
    switch (color) {
      case Color.BLUE: return this.blue;
      case Color.GREEN: return this.green;
      default: throw new Error(`${this.node.path}: fleet(${String(color)}): color must be Color.BLUE or Color.GREEN.`);
    }
  }

  /**
   * Lets `other` reach the test listener (and so the idle color), for example a smoke-test
   * function in the VPC or a security group of testers.
   *
   * Security-group references only match traffic that reaches the load balancer over private
   * addresses. Inside the VPC, the DNS name of an internet-facing load balancer resolves to public
   * addresses and the traffic leaves through NAT, so your own callers must use the load balancer's
   * private addresses (as the library's HTTP smoke test does) or be allowed by the NAT gateways'
   * addresses instead.
   */
  public allowTestTrafficFrom(other: ec2.IConnectable, description?: string): void {
    const connections = this.testListener.connections;
    const port = this.testListenerPort !== undefined ? ec2.Port.tcp(this.testListenerPort) : connections.defaultPort;
    if (port === undefined) {
      throw new Error(
        `${this.node.path}: allowTestTrafficFrom: the testListener you passed does not say which port it listens on. ` +
        'Import it with a defaultPort (ApplicationListener.fromApplicationListenerAttributes({ ..., defaultPort })), ' +
        'or allow the traffic on its security group yourself.',
      );
    }
    connections.allowFrom(other, port, description ?? 'test traffic to the idle color');
  }

  /**
   * Builds the rollout state machine: lock, health gate, smoke test, then set, verify and bake each
   * step; any failure restores the previous color.
   */
  private createRollout(props: BlueGreenServiceProps): RolloutStateMachine {
    const color = (fleet: Fleet): RolloutColor => ({
      targetGroup: fleet.targetGroup,
      autoScalingGroupName: fleet.autoScalingGroup.autoScalingGroupName,
      requiredHealthyTargets: fleet.requiredHealthyTargets,
      metrics: {
        requestCount: fleet.metricRequestCount(),
        target5xxCount: fleet.metricTarget5xxCount(),
        p99ResponseTime: fleet.metricTargetResponseTime(),
        unhealthyHostCount: fleet.metricUnhealthyHostCount(),
      },
    });
    const rollout = new RolloutStateMachine(this, 'Rollout', {
      serviceName: rolloutServiceName(this),
      ruleArn: this.trafficRuleArn,
      testRuleArn: this.testTrafficRuleArn,
      blue: color(this.blue),
      green: color(this.green),
      alarms: props.alarms,
      plan: props.rollout,
      smokeTest: props.smokeTest,
      smokeTestNetwork: props.smokeTest?.httpCheck ? this.smokeTestNetwork(props) : undefined,
      pollInterval: props.pollInterval,
      healthGateTimeout: props.healthGateTimeout,
      insufficientData: props.insufficientData,
      builtInAlarms: props.builtInAlarms,
    });
    if (rollout.smokeTestFunction) {
      this.allowTestTrafficFrom(rollout.smokeTestFunction, 'the HTTP smoke test of the idle color');
    }
    return rollout;
  }

  /** Where the HTTP smoke test function runs and which URL reaches the test listener. */
  private smokeTestNetwork(props: BlueGreenServiceProps): SmokeTestNetwork {
    if (!this.loadBalancer || this.testListenerPort === undefined) {
      throw new Error(
        `${this.node.path}: smokeTest: SmokeTest.http calls the test listener this service creates, but the test rule is on ` +
        'a shared `testListener`. Use SmokeTest.lambda with your own check, or let the service create its test listener ' +
        '(remove testListener and give it a loadBalancer).',
      );
    }
    return {
      vpc: props.vpc,
      testListenerUrl: `http://${this.loadBalancer.loadBalancerDnsName}:${this.testListenerPort}`,
      // The function runs in private subnets: through the DNS name of an internet-facing load
      // balancer its requests would leave through NAT and miss the security-group rule that lets
      // it in. Its private addresses keep the request inside the VPC (internal ones work alike).
      // An imported load balancer does not expose its full name: then the DNS name is used.
      loadBalancerFullName: this.loadBalancer instanceof elbv2.ApplicationLoadBalancer
        ? this.loadBalancer.loadBalancerFullName
        : undefined,
    };
  }

  /**
   * Builds the release resource `cdk deploy` drives. It runs after both fleets are updated and
   * the traffic rule exists, so the new color already runs the new version when traffic moves.
   */
  private createRelease(props: BlueGreenServiceProps): RolloutRelease {
    const release = new RolloutRelease(this, 'Release', {
      rollout: this.rolloutEngine,
      serviceName: rolloutServiceName(this),
      ruleArn: this.trafficRuleArn,
      live: this.liveColor,
      acknowledgeTrafficOverride: props.acknowledgeTrafficOverride,
      fleetRevision: Fn.join(',', [this.blue.launchTemplate.latestVersionNumber, this.green.launchTemplate.latestVersionNumber]),
    });
    release.node.addDependency(this.trafficRule, this.blue, this.green);
    return release;
  }

  /**
   * Builds the custom resource that owns the weighted rule (invariant 2). The rollout engine sets
   * weights on `ruleArn` at run time; stack updates leave them alone.
   */
  private createTrafficRule(live: RulePlacement, test: RulePlacement): TrafficRule {
    return new TrafficRule(this, 'Traffic', {
      serviceName: this.node.path,
      live,
      test,
      blue: this.blue,
      green: this.green,
      declaredLive: this.liveColor,
    });
  }

  /**
   * Builds the guard CloudFormation updates before either fleet (invariant 3): it depends on the
   * traffic resource (it reads the live weights of its rule), and both fleets depend on it.
   */
  /**
   * One instance role and profile for the colors that bring neither a role nor statements of their
   * own: with both, a service costs two resources fewer. Whether a color uses it depends only on that
   * color's props, so changing one color never moves the other to another instance profile (its
   * launch template would change, and it may be the live one).
   */
  private createSharedInstanceProfile(props: BlueGreenServiceProps): iam.InstanceProfile | undefined {
    if (!usesSharedInstanceRole(props.blue) && !usesSharedInstanceRole(props.green)) {
      return undefined;
    }
    const role = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `${this.node.path} instances of the colors without a role or statements of their own`,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    acknowledgeFleet(role);
    return new iam.InstanceProfile(this, 'InstanceProfile', { role });
  }

  private createLiveFleetGuard(traffic: TrafficRule): LiveFleetGuard {
    return new LiveFleetGuard(this, 'LiveFleetGuard', {
      serviceName: this.node.path,
      ruleArn: traffic.ruleArn,
      blue: this.blue,
      green: this.green,
      declaredLive: this.liveColor,
    });
  }

  private createLoadBalancer(props: BlueGreenServiceProps) {
    const internetFacing = props.internetFacing ?? true;
    const securityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc: props.vpc,
      description: `${this.node.path} load balancer: listener ports from the configured peers, out to the instances only`,
      allowAllOutbound: false,
    });
    const loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      internetFacing,
      securityGroup,
      vpcSubnets: props.loadBalancerSubnets ?? {
        subnetType: internetFacing ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_WITH_EGRESS,
      },
      dropInvalidHeaderFields: true,
      deletionProtection: props.deletionProtection ?? false,
    });
    if (props.accessLogBucket) {
      loadBalancer.logAccessLogs(props.accessLogBucket, props.accessLogPrefix);
    }

    const https = (props.certificates ?? []).length > 0;
    const port = props.listenerPort ?? (https ? 443 : 80);
    // Requests reach this default only when the traffic resource's rule is missing (before the
    // first create, or after someone deleted it): answer plainly instead of guessing a color.
    const noRoute = elbv2.ListenerAction.fixedResponse(503, {
      contentType: 'text/plain',
      messageBody: 'No healthy route: the blue-green traffic rule of this service is missing.',
    });
    const listener = loadBalancer.addListener('Listener', https
      ? {
        port,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: props.certificates!.map((c) => elbv2.ListenerCertificate.fromCertificateManager(c)),
        sslPolicy: props.sslPolicy ?? elbv2.SslPolicy.RECOMMENDED_TLS,
        open: false,
        defaultAction: noRoute,
      }
      : { port, protocol: elbv2.ApplicationProtocol.HTTP, open: false, defaultAction: noRoute });
    const peers = props.listenerPeers ?? [ec2.Peer.anyIpv4()];
    for (const peer of peers) {
      listener.connections.allowDefaultPortFrom(peer, 'user traffic');
    }

    let redirectListener: elbv2.ApplicationListener | undefined;
    if (https && (props.redirectHttp ?? true)) {
      redirectListener = loadBalancer.addListener('HttpRedirect', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        open: false,
        defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: String(port), permanent: true }),
      });
      for (const peer of peers) {
        redirectListener.connections.allowDefaultPortFrom(peer, 'HTTP, redirected to HTTPS');
      }
    }
    return { loadBalancer, listener, redirectListener };
  }

  private createTestListener(
    loadBalancer: elbv2.IApplicationLoadBalancer,
    port: number,
    peers: ec2.IPeer[] | undefined,
  ): elbv2.IApplicationListener {
    claimTestListenerPort(this, loadBalancer, port);
    // Scoped to the service, so several services can each have one on a shared load balancer.
    const testListener = new elbv2.ApplicationListener(this, 'TestListener', {
      loadBalancer,
      port,
      protocol: elbv2.ApplicationProtocol.HTTP,
      open: false,
      // The traffic resource adds the rule that forwards to the idle color; anything else is 404.
      defaultAction: elbv2.ListenerAction.fixedResponse(404, {
        contentType: 'text/plain',
        messageBody: 'Test listener: no idle color is routed here.',
      }),
    });
    for (const peer of peers ?? []) {
      testListener.connections.allowDefaultPortFrom(peer, 'test traffic to the idle color');
    }
    return testListener;
  }

  /**
   * The listener rule that forwards to the fleets exists only at run time, so CDK does not know
   * the target groups are behind this listener: register it, which opens the load balancer's
   * security group to the instances on the instance port and makes the target-group metrics
   * carry the load balancer dimension.
   */
  private connectListenerToFleet(fleet: Fleet): void {
    fleet.targetGroup.registerListener(this.listener);
    if (fleet.healthCheckPort !== fleet.instancePort) {
      this.listener.connections.allowTo(fleet, ec2.Port.tcp(fleet.healthCheckPort), 'load balancer health checks');
    }
  }

  /**
   * Defines an EventBridge rule that matches this service's rollout events.
   *
   * Every decision of a rollout is put on the account's default event bus with source
   * `cdk-blue-green` and one of these detail-types: `Blue-Green Rollout Started`,
   * `Blue-Green Rollout Refused` (another rollout holds the lock, or the start was unsafe),
   * `Blue-Green Health Gate Passed`, `Blue-Green Smoke Test Passed`, `Blue-Green Weights Shifted`
   * (a step's weights written and read back), `Blue-Green Rollout Succeeded`,
   * `Blue-Green Rollback Started` and `Blue-Green Rollout Rolled Back` (traffic read back on the
   * previous color). The detail always has `service`, `executionId` and `executionName`, and, once
   * the input is valid, `from`, `to`, `reason` and `requestedBy`; depending on the event also
   * `step` (`index`, `count`, `percent`), `weights` (`BLUE`, `GREEN` percent), `error`, `cause`,
   * `alarm` and `alarms` (the watched alarms that caused a rollback). Events are delivered at
   * least once: a retried task may announce the same step twice.
   *
   * The rule matches the source, this service's name in `detail.service`, and its rollout state
   * machine in `resources`; narrow it further with `options.eventPattern`, for example
   * `{ detailType: ['Blue-Green Rollout Rolled Back'] }`.
   *
   * @param id The construct id of the rule, in this service's scope.
   * @param options The rule's target, description, name and any further event pattern. Without
   * them (the default), a rule without a target that matches every rollout event of this service.
   * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
   */
  public onRolloutEvent(id: string, options: events.OnEventOptions = {}): events.Rule {
    const rule = new events.Rule(this, id, options);
    rule.addTarget(options.target);
    rule.addEventPattern({
      source: ['cdk-blue-green'],
      detail: { service: [rolloutServiceName(this)] },
      // The name is unique per stack only; the state machine ARN keeps other stacks' services out.
      resources: [this.rolloutStateMachine.stateMachineArn],
    });
    return rule;
  }
}

/** Ports of test listeners this library created, per load balancer, to refuse clashes at synth time. */
const testListenerPorts = new WeakMap<object, Map<number, string>>();

function claimTestListenerPort(service: Construct, loadBalancer: elbv2.IApplicationLoadBalancer, port: number): void {
  let ports = testListenerPorts.get(loadBalancer);
  if (!ports) {
    ports = new Map();
    testListenerPorts.set(loadBalancer, ports);
  }
  const owner = ports.get(port);
  if (owner !== undefined && !Token.isUnresolved(port)) {
    throw new Error(
      `${service.node.path}: testListenerPort (${port}) is already the test listener port of ${owner} on the same load balancer. ` +
      'Give each service its own testListenerPort, or share one listener through testListener.',
    );
  }
  ports.set(port, service.node.path);
}

/**
 * The rollout's name for a service: unique in its stack, and the key of its record in the stack's
 * state table. Derived from the construct path below the stack (`Stack/Web` -> `Web`,
 * `Stack/Team/Api` -> `Team-Api`); a name too long for the 80-character limit keeps its start and
 * gets a hash of the whole path.
 */
function rolloutServiceName(service: Construct): string {
  const stackDepth = service.node.scopes.findIndex((scope) => Stack.isStack(scope));
  const name = service.node.scopes.slice(stackDepth + 1)
    .map((scope) => scope.node.id)
    .join('-')
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '');
  if (name.length > 0 && name.length <= 80) return name;
  const hash = createHash('sha256').update(service.node.path).digest('hex').slice(0, 8);
  return `${name.slice(0, 71)}-${hash}`.replace(/^[^A-Za-z0-9]+/, 's');
}

/** A color with neither `role` nor `policyStatements` runs with the service's shared instance role. */
function usesSharedInstanceRole(options: FleetOptions): boolean {
  return options.role === undefined && (options.policyStatements ?? []).length === 0;
}
