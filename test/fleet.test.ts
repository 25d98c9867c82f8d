import { Duration, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Color, Fleet, FleetOptions, FleetProps } from '../lib';
import { colorOptions, newService, newStack } from './blue-green-service.fixture';

function fleetTemplate(options: Partial<FleetProps> = {}): { template: Template; fleet: Fleet; stack: Stack } {
  const { stack, vpc } = newStack();
  const fleet = new Fleet(stack, 'Fleet', { ...colorOptions('v1'), vpc, color: Color.GREEN, ...options });
  return { template: Template.fromStack(stack), fleet, stack };
}

describe('a standalone Fleet', () => {
  test('has a launch template, a group and a target group, all tagged with its color', () => {
    const { template, fleet } = fleetTemplate();
    expect(fleet.color).toBe(Color.GREEN);
    template.resourceCountIs('AWS::EC2::LaunchTemplate', 1);
    template.resourceCountIs('AWS::AutoScaling::AutoScalingGroup', 1);
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      Tags: Match.arrayWith([{ Key: 'cdk-blue-green:color', Value: 'GREEN', PropagateAtLaunch: true }]),
      TargetGroupARNs: [{ Ref: Match.stringLikeRegexp('FleetTargetGroup') }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Tags: [{ Key: 'cdk-blue-green:color', Value: 'GREEN' }],
    });
  });

  test('its own security group allows no inbound traffic until a listener is attached', () => {
    const { template } = fleetTemplate();
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { SecurityGroupIngress: Match.absent() });
  });
});

describe('fleet options', () => {
  test('instance type, capacity with desired, and ASG grace period', () => {
    const { template } = fleetTemplate({
      instanceType: new ec2.InstanceType('m7g.large'),
      capacity: { min: 1, max: 6, desired: 3 },
      healthCheckGracePeriod: Duration.minutes(2),
    });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', { LaunchTemplateData: Match.objectLike({ InstanceType: 'm7g.large' }) });
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { MinSize: '1', MaxSize: '6', DesiredCapacity: '3', HealthCheckGracePeriod: 120 });
  });

  test('default max is twice the larger of min and desired', () => {
    const { template } = fleetTemplate({ capacity: { min: 3 } });
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { MinSize: '3', MaxSize: '6', DesiredCapacity: Match.absent() });
  });

  test('root volume size and device name, extra encrypted volumes', () => {
    const { template } = fleetTemplate({
      rootVolumeSize: Size.gibibytes(30),
      rootDeviceName: '/dev/sda1',
      blockDevices: [{ deviceName: '/dev/sdf', volume: ec2.BlockDeviceVolume.ebs(100, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }) }],
    });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        BlockDeviceMappings: [
          { DeviceName: '/dev/sda1', Ebs: { Encrypted: true, VolumeType: 'gp3', DeleteOnTermination: true, VolumeSize: 30 } },
          { DeviceName: '/dev/sdf', Ebs: { Encrypted: true, VolumeType: 'gp3', VolumeSize: 100 } },
        ],
      }),
    });
  });

  test('key pair, extra security groups and subnets', () => {
    const { stack, vpc } = newStack();
    const extra = new ec2.SecurityGroup(stack, 'Extra', { vpc });
    new Fleet(stack, 'Fleet', {
      ...colorOptions('v1'),
      vpc,
      color: Color.BLUE,
      keyPair: ec2.KeyPair.fromKeyPairName(stack, 'Key', 'ops'),
      securityGroups: [extra],
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        KeyName: 'ops',
        SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('FleetInstanceSecurityGroup'), 'GroupId'] }, { 'Fn::GetAtt': [Match.stringLikeRegexp('Extra'), 'GroupId'] }],
      }),
    });
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      VPCZoneIdentifier: [{ Ref: Match.stringLikeRegexp('VpcPublicSubnet1') }, { Ref: Match.stringLikeRegexp('VpcPublicSubnet2') }],
    });
  });

  test('a given role is used as is (no role created) and receives the extra statements', () => {
    const { stack, vpc } = newStack();
    const role = new iam.Role(stack, 'AppRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    const bucket = new s3.Bucket(stack, 'Assets');
    const fleet = new Fleet(stack, 'Fleet', {
      ...colorOptions('v1'),
      vpc,
      color: Color.BLUE,
      role,
      policyStatements: [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('*')] })],
    });
    const template = Template.fromStack(stack);
    expect(fleet.role).toBe(role);
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('AppRole') }],
      PolicyDocument: { Statement: [Match.objectLike({ Action: 's3:GetObject' })] },
    });
  });

  test('a given instance profile is used with its role, which receives the extra statements', () => {
    const { stack, vpc } = newStack();
    const role = new iam.Role(stack, 'SharedRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    const instanceProfile = new iam.InstanceProfile(stack, 'SharedProfile', { role });
    const fleet = new Fleet(stack, 'Fleet', {
      ...colorOptions('v1'),
      vpc,
      color: Color.BLUE,
      instanceProfile,
      policyStatements: [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/*'] })],
    });
    const template = Template.fromStack(stack);
    expect(fleet.role).toBe(role);
    template.resourceCountIs('AWS::IAM::InstanceProfile', 1);
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({ IamInstanceProfile: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('SharedProfile'), 'Arn'] } } }),
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('SharedRole') }],
      PolicyDocument: { Statement: [Match.objectLike({ Action: 's3:GetObject' })] },
    });
  });

  test.each<[string, (stack: Stack) => Partial<FleetProps>, RegExp]>([
    ['instanceProfile and role', (stack) => {
      const role = new iam.Role(stack, 'R', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
      return { role, instanceProfile: new iam.InstanceProfile(stack, 'P', { role }) };
    }, /instanceProfile and role cannot both be set/],
    ['an instance profile without its role', (stack) => ({
      instanceProfile: iam.InstanceProfile.fromInstanceProfileName(stack, 'P', 'ops'),
    }), /instanceProfile must carry its role/],
  ])('refuses %s with a message naming the prop', (_name, props, message) => {
    const { stack, vpc } = newStack();
    expect(() => new Fleet(stack, 'Fleet', { ...colorOptions('v1'), vpc, color: Color.BLUE, ...props(stack) })).toThrow(message);
  });

  test('update policy can be replaced', () => {
    const { template } = fleetTemplate({ updatePolicy: autoscaling.UpdatePolicy.replacingUpdate() });
    template.hasResource('AWS::AutoScaling::AutoScalingGroup', {
      UpdatePolicy: Match.objectLike({ AutoScalingReplacingUpdate: { WillReplace: true } }),
    });
  });

  test('health check and deregistration delay reach the target group', () => {
    const { template } = fleetTemplate({
      instancePort: 8080,
      deregistrationDelay: Duration.seconds(5),
      healthCheck: {
        path: '/healthz',
        healthyHttpCodes: '200-299',
        healthyThresholdCount: 3,
        unhealthyThresholdCount: 4,
        interval: Duration.seconds(30),
        timeout: Duration.seconds(10),
      },
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 8080,
      HealthCheckPath: '/healthz',
      Matcher: { HttpCode: '200-299' },
      HealthyThresholdCount: 3,
      UnhealthyThresholdCount: 4,
      HealthCheckIntervalSeconds: 30,
      HealthCheckTimeoutSeconds: 10,
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '5' }]),
    });
  });

  test('standalone validation names the prop without a prefix', () => {
    const { stack, vpc } = newStack();
    expect(() => new Fleet(stack, 'Fleet', { ...colorOptions('v1'), vpc, color: Color.BLUE, capacity: { min: 4, max: 2 } }))
      .toThrow('Stack/Fleet: invalid props: capacity.min (4) must be <= capacity.max (2).');
    expect(() => new Fleet(stack, 'Fleet2', { ...colorOptions('v1'), vpc, color: 'RED' as Color }))
      .toThrow('color (RED) must be Color.BLUE or Color.GREEN.');
  });
});

describe('the configuration the live-fleet guard compares', () => {
  /** BlueConfig of a service whose blue fleet has `options`. */
  function blueConfig(options: Partial<FleetOptions> | ((stack: Stack) => Partial<FleetOptions>) = {}): Record<string, unknown> {
    const { stack, vpc } = newStack();
    newService(stack, vpc, { blue: colorOptions('v1', typeof options === 'function' ? options(stack) : options) });
    const guard = Object.values(Template.fromStack(stack).findResources('Custom::BlueGreenLiveFleetGuard'))[0];
    return guard.Properties.BlueConfig;
  }
  const baseline = blueConfig();

  test('is deterministic: the same app gives the same hash', () => {
    expect(blueConfig()).toEqual(baseline);
  });

  test('image, instance type and user data are compared in clear', () => {
    expect(baseline.InstanceType).toBe('t3.small');
    expect(baseline.UserData).toBe('#!/bin/bash\ninstall-app v1');
    expect(baseline.ImageId).toEqual({ 'Fn::FindInMap': [expect.stringMatching(/AmiMap/), { Ref: 'AWS::Region' }, 'ami'] });
    const changed = blueConfig({ instanceType: new ec2.InstanceType('t3.large'), userData: colorOptions('v9').userData });
    expect(changed.InstanceType).toBe('t3.large');
    expect(changed.UserData).toBe('#!/bin/bash\ninstall-app v9');
    // Those are not part of the hash, so the guard can say which of them changed.
    expect(changed.LaunchTemplate).toBe(baseline.LaunchTemplate);
  });

  test('user data with tokens reaches the guard as a CloudFormation expression', () => {
    const { stack, vpc } = newStack();
    const bucket = new s3.Bucket(stack, 'Releases');
    const userData = ec2.UserData.forLinux();
    userData.addCommands(`aws s3 cp s3://${bucket.bucketName}/app-v1.tgz .`);
    newService(stack, vpc, { blue: colorOptions('v1', { userData }) });
    const guard = Object.values(Template.fromStack(stack).findResources('Custom::BlueGreenLiveFleetGuard'))[0];
    expect(guard.Properties.BlueConfig.UserData).toEqual({
      'Fn::Join': ['', ['#!/bin/bash\naws s3 cp s3://', { Ref: expect.stringMatching(/^Releases/) }, '/app-v1.tgz .']],
    });
  });

  test.each<[string, Partial<FleetOptions>]>([
    ['root volume size', { rootVolumeSize: Size.gibibytes(50) }],
    ['extra block device', { blockDevices: [{ deviceName: '/dev/sdf', volume: ec2.BlockDeviceVolume.ebs(10, { encrypted: true }) }] }],
    ['health check path', { healthCheck: { path: '/v2/health' } }],
    ['health check interval', { healthCheck: { interval: Duration.seconds(20) } }],
  ])('the hash changes with the %s', (_name, options) => {
    expect(blueConfig(options).LaunchTemplate).not.toBe(baseline.LaunchTemplate);
  });

  test('the hash changes with the key pair and with extra security groups', () => {
    expect(blueConfig((stack) => ({ keyPair: ec2.KeyPair.fromKeyPairName(stack, 'K', 'ops') })).LaunchTemplate)
      .not.toBe(baseline.LaunchTemplate);
    expect(blueConfig((stack) => ({ securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0123456789abcdef0')] })).LaunchTemplate)
      .not.toBe(baseline.LaunchTemplate);
  });

  test('the hash does not change when statements are added to a color that has some', () => {
    const read = new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/*'] });
    const write = new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: ['arn:aws:s3:::b/*'] });
    expect(blueConfig({ policyStatements: [read, write] }).LaunchTemplate).toBe(blueConfig({ policyStatements: [read] }).LaunchTemplate);
  });

  test("the hash changes when a color's first statement moves it from the shared role to its own", () => {
    const withStatement = blueConfig({ policyStatements: [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/*'] })] });
    expect(withStatement.LaunchTemplate).not.toBe(baseline.LaunchTemplate);
  });

  test('the hash changes with the role, although the launch template names only the instance profile', () => {
    const roleNamed = (name: string) => (stack: Stack) => ({ role: iam.Role.fromRoleName(stack, 'AppRole', name) });
    expect(blueConfig(roleNamed('app-v1')).LaunchTemplate).toBe(blueConfig(roleNamed('app-v1')).LaunchTemplate);
    expect(blueConfig(roleNamed('app-v2')).LaunchTemplate).not.toBe(blueConfig(roleNamed('app-v1')).LaunchTemplate);
  });

  test('the green configuration is independent of blue changes', () => {
    const { stack, vpc } = newStack();
    newService(stack, vpc);
    const green = Object.values(Template.fromStack(stack).findResources('Custom::BlueGreenLiveFleetGuard'))[0].Properties.GreenConfig;
    const { stack: stack2, vpc: vpc2 } = newStack();
    newService(stack2, vpc2, { blue: colorOptions('v1', { rootVolumeSize: Size.gibibytes(50) }) });
    const green2 = Object.values(Template.fromStack(stack2).findResources('Custom::BlueGreenLiveFleetGuard'))[0].Properties.GreenConfig;
    expect(green2).toEqual(green);
  });
});
