import { createHash } from 'node:crypto';
import { Duration, Lazy, Size, Stack, Tags } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IDependable } from 'constructs';
import { Capacity } from './capacity';
import { Color } from './color';
import { FleetHealthCheck } from './health-check';
import { resolveCapacity, resolveHealthCheck } from './private/fleet-defaults';
import { validateFleetProps } from './private/fleet-validation';
import { acknowledgeFleet } from './private/nag-acknowledgements';
import { PropErrors } from './private/prop-validation';

/**
 * What one color runs: image, instance type, user data, size, and the options users expect on an
 * EC2 fleet.
 *
 * Every option here is part of the color's configuration: a deploy that changes it on the color
 * that currently serves traffic is refused by the live-fleet guard. Put the change on the idle
 * color and make that color live instead.
 */
export interface FleetOptions {
  /**
   * The Amazon Machine Image the instances boot from.
   *
   * Use an image that changes only when you mean it to: an AMI id, `cachedInContext: true`, or an
   * SSM parameter you control. An image resolved at every deploy (such as
   * `MachineImage.latestAmazonLinux2023()` without caching) changes the live color as soon as a
   * new AMI is published, and the live-fleet guard then refuses the deploy.
   */
  readonly machineImage: ec2.IMachineImage;

  /**
   * Instance type.
   *
   * @default t3.small
   */
  readonly instanceType?: ec2.InstanceType;

  /**
   * User data run at boot: usually where the application version is installed.
   *
   * @default - empty user data for the image's operating system
   */
  readonly userData?: ec2.UserData;

  /**
   * Size of the auto-scaling group.
   *
   * @default - min 2, max 4, desired not set (see `Capacity`)
   */
  readonly capacity?: Capacity;

  /**
   * Target-group health check.
   *
   * @default - HTTP GET / on the instance port, 200 is healthy, 2 successes / 2 failures, every 10 s, 5 s timeout
   */
  readonly healthCheck?: FleetHealthCheck;

  /**
   * Time after launch before the auto-scaling group acts on ELB health checks (0 to 7200 seconds).
   *
   * @default Duration.minutes(5)
   */
  readonly healthCheckGracePeriod?: Duration;

  /**
   * Key pair for SSH access.
   *
   * @default - no key pair: connect with AWS Systems Manager Session Manager
   */
  readonly keyPair?: ec2.IKeyPair;

  /**
   * IAM role of the instances.
   *
   * In a `BlueGreenService`, a color with neither `role` nor `policyStatements` runs with the
   * service's instance role, which both such colors share (one role and one instance profile
   * instead of two of each, so more services fit in a stack).
   *
   * @default - a new role trusted by EC2 with the AWS managed policy `AmazonSSMManagedInstanceCore`
   * (Session Manager, patching, Run Command) and nothing else
   */
  readonly role?: iam.IRole;

  /**
   * Statements added to the instances' role, for example access to the application's bucket.
   *
   * In a `BlueGreenService`, a color with statements gets a role of its own (even when the other
   * color lists the same statements), so one color's statements never reach the other color's
   * instances; a color without them shares the service's instance role.
   *
   * Changing the statements of a color that already has some does not change its launch
   * configuration, so it is allowed on the live color. Giving a color its first statement, or
   * removing its last one, moves it between its own role and the shared one, which changes its
   * launch template: do that on the idle color.
   *
   * @default - none
   */
  readonly policyStatements?: iam.PolicyStatement[];

  /**
   * Size of the root volume. The root volume is always encrypted gp3.
   *
   * @default - the size of the image's root snapshot
   */
  readonly rootVolumeSize?: Size;

  /**
   * Device name of the image's root volume, used to encrypt it.
   *
   * Amazon Linux uses `/dev/xvda`; Ubuntu and many others use `/dev/sda1`. A wrong name adds an
   * empty volume instead of configuring the root volume.
   *
   * @default '/dev/xvda'
   */
  readonly rootDeviceName?: string;

  /**
   * Additional block devices. EBS volumes must be encrypted.
   *
   * @default - none
   */
  readonly blockDevices?: ec2.BlockDevice[];

  /**
   * Subnets the instances are launched in.
   *
   * @default - private subnets with egress (`SubnetType.PRIVATE_WITH_EGRESS`)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security groups added to the instances besides the one the library manages.
   *
   * @default - none
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * How CloudFormation replaces instances when this color's configuration changes. Only the idle
   * color is ever changed by a deploy, so speed matters more than keeping instances in service.
   *
   * @default - a rolling update that replaces up to `capacity.max` instances per batch with no
   * minimum in service
   */
  readonly updatePolicy?: autoscaling.UpdatePolicy;
}

/** Properties of one {@link Fleet}. */
export interface FleetProps extends FleetOptions {
  /** Which color this fleet is. */
  readonly color: Color;

  /** VPC of the instances and target group. */
  readonly vpc: ec2.IVpc;

  /**
   * Security group of the instances; the load balancer's security group is allowed in by the
   * service that attaches the target group to a listener.
   *
   * @default - a new security group that allows all outbound traffic and no inbound traffic
   */
  readonly instanceSecurityGroup?: ec2.ISecurityGroup;

  /**
   * Instance profile of the instances, with its role, for example one shared with the other color
   * (`role` must then be unset). `policyStatements` are added to its role.
   *
   * @default - an instance profile for `role`
   */
  readonly instanceProfile?: iam.IInstanceProfile;

  /**
   * Port the application listens on.
   *
   * @default 80
   */
  readonly instancePort?: number;

  /**
   * How long the load balancer lets in-flight requests finish on a deregistering instance (0 to 3600 seconds).
   *
   * @default Duration.seconds(30)
   */
  readonly deregistrationDelay?: Duration;
}

/** Default instance type: burstable, cheap, enough for a typical web tier. */
const DEFAULT_INSTANCE_TYPE = ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.SMALL);

/** Tag key carrying the color on every resource of a fleet (instances included). */
const COLOR_TAG_KEY = 'cdk-blue-green:color';

/**
 * One color of a blue-green service: a launch template, an auto-scaling group and an ALB target
 * group.
 *
 * The target group is not forwarded to by any listener in the template: the service's traffic
 * custom resource owns the weighted rule, so stack updates never reset the weights.
 */
export class Fleet extends Construct implements ec2.IConnectable {
  /** Which color this fleet is. */
  public readonly color: Color;

  /** Launch template of the instances (IMDSv2 required, encrypted root volume). */
  public readonly launchTemplate: ec2.LaunchTemplate;

  /** Auto-scaling group of the instances, with ELB health checks. */
  public readonly autoScalingGroup: autoscaling.AutoScalingGroup;

  /** Target group the instances register in. */
  public readonly targetGroup: elbv2.ApplicationTargetGroup;

  /** Role of the instances. */
  public readonly role: iam.IRole;

  /** The security group the library manages on the instances. */
  public readonly instanceSecurityGroup: ec2.ISecurityGroup;

  /** Network access to and from the instances. */
  public readonly connections: ec2.Connections;

  /** Port the application listens on. */
  public readonly instancePort: number;

  /**
   * Healthy targets this color must have before a rollout gives it any traffic: the desired
   * capacity when one is set, else the minimum capacity (at least 1). At run time the rollout also
   * waits for the group's current desired capacity when that is larger.
   */
  public readonly requiredHealthyTargets: number;

  private readonly healthCheckSettings: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: FleetProps) {
    super(scope, id);
    const errors = new PropErrors(this.node.path);
    validateFleetProps(errors, '', props);
    errors.integerInRange('instancePort', props.instancePort, 1, 65535);
    errors.secondsInRange('deregistrationDelay', props.deregistrationDelay, 0, 3600);
    if (props.color !== Color.BLUE && props.color !== Color.GREEN) {
      errors.add('color', `(${String(props.color)}) must be Color.BLUE or Color.GREEN.`);
    }
    errors.required('vpc', props.vpc, 'the VPC the fleet runs in');
    if (props.instanceProfile && props.role) {
      errors.add('instanceProfile', 'and role cannot both be set: the instance profile already carries the role. Set one of them.');
    } else if (props.instanceProfile && !props.instanceProfile.role) {
      errors.add('instanceProfile', 'must carry its role (new iam.InstanceProfile, or InstanceProfile.fromInstanceProfileAttributes with `role`).');
    }
    errors.throwIfAny();

    this.color = props.color;
    this.instancePort = props.instancePort ?? 80;
    const capacity = resolveCapacity(props.capacity);
    this.requiredHealthyTargets = Math.max(1, capacity.desired ?? capacity.min);
    const healthCheck = resolveHealthCheck(props.healthCheck);

    this.instanceSecurityGroup = props.instanceSecurityGroup ?? new ec2.SecurityGroup(this, 'InstanceSecurityGroup', {
      vpc: props.vpc,
      description: `${this.node.path} instances: inbound only from the load balancer, outbound anywhere`,
      allowAllOutbound: true,
    });

    this.role = props.instanceProfile?.role ?? props.role ?? new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `${this.node.path} instances`,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    for (const statement of props.policyStatements ?? []) {
      this.role.addToPrincipalPolicy(statement);
    }

    // Resolve the image once: every getImage() call of a region-mapped image adds its own mapping to
    // the template, and a second call would leave an unreferenced one behind.
    const image = props.machineImage.getImage(this);
    const machineImage: ec2.IMachineImage = { getImage: () => image };
    const userData = props.userData ?? ec2.UserData.forOperatingSystem(image.osType);
    this.launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      machineImage,
      instanceType: props.instanceType ?? DEFAULT_INSTANCE_TYPE,
      userData,
      // LaunchTemplate refuses both; without a given profile it creates one for the role.
      ...(props.instanceProfile ? { instanceProfile: props.instanceProfile } : { role: this.role }),
      securityGroup: this.instanceSecurityGroup,
      keyPair: props.keyPair,
      requireImdsv2: true,
      blockDevices: [
        {
          deviceName: props.rootDeviceName ?? '/dev/xvda',
          volume: props.rootVolumeSize
            ? ec2.BlockDeviceVolume.ebs(props.rootVolumeSize.toGibibytes(), ENCRYPTED_GP3)
            : new SnapshotSizedVolume(),
        },
        ...(props.blockDevices ?? []),
      ],
    });
    for (const extra of props.securityGroups ?? []) {
      this.launchTemplate.addSecurityGroup(extra);
    }

    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'Group', {
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      launchTemplate: this.launchTemplate,
      minCapacity: capacity.min,
      maxCapacity: capacity.max,
      desiredCapacity: capacity.desired,
      healthChecks: autoscaling.HealthChecks.withAdditionalChecks({
        additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
        gracePeriod: props.healthCheckGracePeriod ?? Duration.minutes(5),
      }),
      updatePolicy: props.updatePolicy ?? autoscaling.UpdatePolicy.rollingUpdate({
        maxBatchSize: capacity.max,
        minInstancesInService: 0,
      }),
    });
    this.connections = new ec2.Connections({ securityGroups: [this.instanceSecurityGroup, ...(props.securityGroups ?? [])] });

    this.healthCheckSettings = {
      path: healthCheck.path,
      port: healthCheck.port ?? 'traffic-port',
      codes: healthCheck.healthyHttpCodes,
      healthy: healthCheck.healthyThresholdCount,
      unhealthy: healthCheck.unhealthyThresholdCount,
      interval: healthCheck.interval.toSeconds(),
      timeout: healthCheck.timeout.toSeconds(),
      instancePort: this.instancePort,
    };
    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      vpc: props.vpc,
      port: this.instancePort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.INSTANCE,
      deregistrationDelay: props.deregistrationDelay ?? Duration.seconds(30),
      healthCheck: {
        enabled: true,
        protocol: elbv2.Protocol.HTTP,
        path: healthCheck.path,
        port: healthCheck.port === undefined ? 'traffic-port' : String(healthCheck.port),
        healthyHttpCodes: healthCheck.healthyHttpCodes,
        healthyThresholdCount: healthCheck.healthyThresholdCount,
        unhealthyThresholdCount: healthCheck.unhealthyThresholdCount,
        interval: healthCheck.interval,
        timeout: healthCheck.timeout,
      },
    });
    this.autoScalingGroup.attachToApplicationTargetGroup(this.targetGroup);

    Tags.of(this).add(COLOR_TAG_KEY, this.color);
    acknowledgeFleet(this);
  }

  /** Port the load balancer health-checks (the instance port unless the health check names one). */
  public get healthCheckPort(): number {
    const port = this.healthCheckSettings.port;
    return typeof port === 'number' ? port : this.instancePort;
  }

  /**
   * Requests routed to this color (Sum).
   *
   * @default - sum over 5 minutes
   */
  public metricRequestCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetGroup.metrics.requestCount(props);
  }

  /**
   * HTTP 5XX responses generated by this color's instances (Sum).
   *
   * @default - sum over 5 minutes
   */
  public metricTarget5xxCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, props);
  }

  /**
   * Time from the load balancer sending a request to this color until the response (seconds).
   *
   * @default - p99 over 5 minutes
   */
  public metricTargetResponseTime(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetGroup.metrics.targetResponseTime({ statistic: 'p99', ...props });
  }

  /**
   * Instances of this color the load balancer considers unhealthy.
   *
   * @default - maximum over 5 minutes
   */
  public metricUnhealthyHostCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetGroup.metrics.unhealthyHostCount({ statistic: 'Maximum', ...props });
  }

  /**
   * Instances of this color the load balancer considers healthy.
   *
   * @default - minimum over 5 minutes
   */
  public metricHealthyHostCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetGroup.metrics.healthyHostCount({ statistic: 'Minimum', ...props });
  }

  /**
   * The configuration the live-fleet guard compares between deploys, in the shape of its
   * `BlueConfig` / `GreenConfig` properties. Values are lazy so that user data added after
   * construction is included.
   *
   * @internal
   */
  public _guardConfiguration(): Record<string, string> {
    const stack = Stack.of(this);
    const cfnTemplate = this.launchTemplate.node.defaultChild as ec2.CfnLaunchTemplate;
    return {
      ImageId: this.launchTemplate.imageId!,
      InstanceType: this.launchTemplate.instanceType!.toString(),
      UserData: Lazy.string({ produce: () => this.launchTemplate.userData!.render() }),
      LaunchTemplate: Lazy.string({
        produce: () => {
          // Image, instance type and user data are compared in clear by the guard; the hash covers
          // everything else that defines an instance of this color. The launch template names only
          // the instance profile, whose role can be swapped in place: the role is hashed too. Its
          // statements are not (adding some is allowed on the live color).
          const data = { ...(stack.resolve(cfnTemplate.launchTemplateData) as Record<string, unknown>) };
          delete data.imageId;
          delete data.instanceType;
          delete data.userData;
          const role = stack.resolve(this.role.roleArn);
          return sha256(canonicalJson({ launchTemplate: data, role, healthCheck: this.healthCheckSettings }));
        },
      }),
    };
  }

  /**
   * Makes every resource that changes this fleet wait for `guard`, so CloudFormation runs the
   * live-fleet guard before it touches an instance.
   *
   * @internal
   */
  public _updateAfter(guard: IDependable): void {
    this.launchTemplate.node.addDependency(guard);
    this.autoScalingGroup.node.addDependency(guard);
  }
}

const ENCRYPTED_GP3: ec2.EbsDeviceOptions = {
  encrypted: true,
  volumeType: ec2.EbsDeviceVolumeType.GP3,
  deleteOnTermination: true,
};

/** An encrypted gp3 root volume that keeps the size of the image's snapshot. */
class SnapshotSizedVolume extends ec2.BlockDeviceVolume {
  constructor() {
    super({ ...ENCRYPTED_GP3 });
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted, so the hash does not depend on property order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]));
    }
    return v;
  });
}
