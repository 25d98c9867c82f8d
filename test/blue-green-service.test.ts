import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BlueGreenService, BlueGreenServiceProps, Color, Fleet } from '../lib';
import {
  colorOptions,
  dependsOn,
  findDependencyCycle,
  newService,
  newStack,
  resourcesOfType,
  templateForwardsTo,
  TemplateJson,
  transitiveDependencies,
} from './blue-green-service.fixture';

const TRAFFIC = 'Custom::BlueGreenTraffic';
const GUARD = 'Custom::BlueGreenLiveFleetGuard';

function synth(stack: Stack): { template: Template; json: TemplateJson } {
  const template = Template.fromStack(stack);
  return { template, json: template.toJSON() as TemplateJson };
}

function idOf(stack: Stack, construct: { node: { defaultChild?: unknown } } | undefined): string {
  return stack.getLogicalId(construct!.node.defaultChild as any);
}

describe('the README snippet (vpc, blue, green, live) is a complete service', () => {
  const { stack, vpc } = newStack();
  const service = newService(stack, vpc);
  const { template, json } = synth(stack);

  test('creates an internet-facing ALB that drops invalid headers, and two fleets', () => {
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'deletion_protection.enabled', Value: 'false' },
        { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
      ]),
    });
    template.resourceCountIs('AWS::AutoScaling::AutoScalingGroup', 2);
    template.resourceCountIs('AWS::EC2::LaunchTemplate', 2);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 2);
    expect(service.liveColor).toBe(Color.BLUE);
    expect(service.idleColor).toBe(Color.GREEN);
    expect(service.fleet(Color.BLUE)).toBe(service.blue);
    expect(service.fleet(Color.GREEN)).toBe(service.green);
    expect(service.blue.color).toBe(Color.BLUE);
  });

  test('the HTTP listener on port 80 answers 503 by default: only the traffic rule forwards', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [Match.objectLike({ Type: 'fixed-response', FixedResponseConfig: Match.objectLike({ StatusCode: '503' }) })],
    });
  });

  test('the test listener is on port 9000, answers 404 by default, and is open to nobody', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 9000,
      Protocol: 'HTTP',
      DefaultActions: [Match.objectLike({ Type: 'fixed-response', FixedResponseConfig: Match.objectLike({ StatusCode: '404' }) })],
    });
    const albSg = idOf(stack, service.loadBalancer!.connections.securityGroups[0] as ec2.SecurityGroup);
    const ingress = json.Resources[albSg].Properties!.SecurityGroupIngress as any[];
    expect(ingress.filter((rule) => rule.FromPort === 9000)).toEqual([]);
    expect(ingress).toEqual([expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 80, ToPort: 80 })]);
    for (const [, rule] of resourcesOfType(json, 'AWS::EC2::SecurityGroupIngress')) {
      expect(rule.Properties!.FromPort).not.toBe(9000);
    }
  });

  test('the load balancer may only send to the instances, on the instance port', () => {
    const albSg = idOf(stack, service.loadBalancer!.connections.securityGroups[0] as ec2.SecurityGroup);
    const egress = json.Resources[albSg].Properties!.SecurityGroupEgress as any[];
    // No inline allow-all egress: the only egress rules are the separate ones below.
    expect(egress).toBeUndefined();
    const egressRules = resourcesOfType(json, 'AWS::EC2::SecurityGroupEgress').filter(([, r]) => r.Properties!.GroupId['Fn::GetAtt']?.[0] === albSg);
    expect(egressRules.map(([, r]) => [r.Properties!.FromPort, r.Properties!.ToPort])).toEqual([[80, 80]]);
  });

  test('instances accept only the load balancer security group, only on the instance port', () => {
    const instanceSg = idOf(stack, service.instanceSecurityGroup as ec2.SecurityGroup);
    const albSg = idOf(stack, service.loadBalancer!.connections.securityGroups[0] as ec2.SecurityGroup);
    expect(json.Resources[instanceSg].Properties!.SecurityGroupIngress).toBeUndefined();
    const ingressToInstances = resourcesOfType(json, 'AWS::EC2::SecurityGroupIngress')
      .filter(([, r]) => r.Properties!.GroupId['Fn::GetAtt']?.[0] === instanceSg)
      .map(([, r]) => r.Properties);
    expect(ingressToInstances).toEqual([expect.objectContaining({
      IpProtocol: 'tcp',
      FromPort: 80,
      ToPort: 80,
      SourceSecurityGroupId: { 'Fn::GetAtt': [albSg, 'GroupId'] },
    })]);
  });

  test('launch templates require IMDSv2 and encrypt a gp3 root volume', () => {
    const templates = resourcesOfType(json, 'AWS::EC2::LaunchTemplate');
    expect(templates).toHaveLength(2);
    for (const [, lt] of templates) {
      const data = lt.Properties!.LaunchTemplateData;
      expect(data.MetadataOptions).toEqual(expect.objectContaining({ HttpTokens: 'required' }));
      expect(data.BlockDeviceMappings).toEqual([{
        DeviceName: '/dev/xvda',
        Ebs: { Encrypted: true, VolumeType: 'gp3', DeleteOnTermination: true },
      }]);
      expect(data.InstanceType).toBe('t3.small');
      expect(data.KeyName).toBeUndefined();
    }
  });

  test('auto-scaling groups use ELB health checks with a grace period, private subnets and a rolling update', () => {
    template.hasResource('AWS::AutoScaling::AutoScalingGroup', {
      Properties: Match.objectLike({
        HealthCheckType: 'ELB',
        HealthCheckGracePeriod: 300,
        MinSize: '2',
        MaxSize: '4',
        DesiredCapacity: Match.absent(),
        VPCZoneIdentifier: [{ Ref: Match.stringLikeRegexp('VpcPrivateSubnet1') }, { Ref: Match.stringLikeRegexp('VpcPrivateSubnet2') }],
      }),
      UpdatePolicy: { AutoScalingRollingUpdate: Match.objectLike({ MaxBatchSize: 4, MinInstancesInService: 0 }) },
    });
  });

  test('target groups: HTTP on the instance port, documented health check, 30 s deregistration delay, no stickiness', () => {
    const groups = resourcesOfType(json, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(groups).toHaveLength(2);
    for (const [, group] of groups) {
      expect(group.Properties).toEqual(expect.objectContaining({
        Port: 80,
        Protocol: 'HTTP',
        TargetType: 'instance',
        HealthCheckEnabled: true,
        HealthCheckPath: '/',
        HealthCheckPort: 'traffic-port',
        HealthCheckProtocol: 'HTTP',
        HealthCheckIntervalSeconds: 10,
        HealthCheckTimeoutSeconds: 5,
        HealthyThresholdCount: 2,
        UnhealthyThresholdCount: 2,
        Matcher: { HttpCode: '200' },
      }));
      expect(group.Properties!.TargetGroupAttributes).toEqual(expect.arrayContaining([
        { Key: 'deregistration_delay.timeout_seconds', Value: '30' },
        { Key: 'stickiness.enabled', Value: 'false' },
      ]));
    }
  });

  test('both colors share one instance role and one instance profile', () => {
    const instanceRoles = Object.entries(template.findResources('AWS::IAM::Role', {
      Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })] } },
    }));
    expect(instanceRoles.map(([id]) => id)).toEqual([expect.stringMatching(/^WebInstanceRole/)]);
    const profiles = resourcesOfType(json, 'AWS::IAM::InstanceProfile');
    expect(profiles).toHaveLength(1);
    const [[profileId, profile]] = profiles;
    expect(profile.Properties!.Roles).toEqual([{ Ref: instanceRoles[0][0] }]);
    for (const fleet of [service.blue, service.green]) {
      expect(service.fleet(fleet.color).role).toBe(service.blue.role);
      expect(json.Resources[idOf(stack, fleet.launchTemplate)].Properties!.LaunchTemplateData.IamInstanceProfile)
        .toEqual({ Arn: { 'Fn::GetAtt': [profileId, 'Arn'] } });
    }
  });

  test('the instance role allows Session Manager and nothing else', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })],
      }),
      ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore']] }],
    });
  });

  test('the traffic custom resource gets the contract properties: rule priority 1 on /*, both target groups, live color', () => {
    const listenerId = idOf(stack, service.listener as elbv2.ApplicationListener);
    const testListenerId = idOf(stack, service.testListener as elbv2.ApplicationListener);
    template.resourceCountIs(TRAFFIC, 1);
    template.hasResourceProperties(TRAFFIC, {
      ServiceName: 'Stack/Web',
      ListenerArn: { Ref: listenerId },
      Priority: 1,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
      TestListenerArn: { Ref: testListenerId },
      TestPriority: 1,
      TestConditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
      BlueTargetGroupArn: { Ref: idOf(stack, service.blue.targetGroup) },
      GreenTargetGroupArn: { Ref: idOf(stack, service.green.targetGroup) },
      LiveColor: 'BLUE',
    });
    expect(Stack.of(service).resolve(service.trafficRuleArn)).toEqual({
      'Fn::GetAtt': [idOf(stack, service.node.findChild('Traffic')), 'RuleArn'],
    });
  });

  test('invariant 2: no listener or listener rule in the template forwards to the fleets', () => {
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', 0);
    const groups = [idOf(stack, service.blue.targetGroup), idOf(stack, service.green.targetGroup)];
    expect(templateForwardsTo(json, groups)).toEqual([]);
    expect(JSON.stringify(json)).not.toMatch(/"Weight"/);
  });

  test('the guard receives each color\'s configuration and the traffic rule ARN', () => {
    const trafficId = idOf(stack, service.node.findChild('Traffic'));
    template.hasResourceProperties(GUARD, {
      ServiceName: 'Stack/Web',
      RuleArn: { 'Fn::GetAtt': [trafficId, 'RuleArn'] },
      BlueTargetGroupArn: { Ref: idOf(stack, service.blue.targetGroup) },
      GreenTargetGroupArn: { Ref: idOf(stack, service.green.targetGroup) },
      BlueConfig: {
        ImageId: Match.anyValue(),
        InstanceType: 't3.small',
        UserData: '#!/bin/bash\ninstall-app v1',
        LaunchTemplate: Match.stringLikeRegexp('^[0-9a-f]{64}$'),
      },
      GreenConfig: Match.objectLike({ UserData: '#!/bin/bash\ninstall-app v2' }),
      DeclaredLive: 'BLUE',
    });
  });

  test('invariant 3: every launch template, instance profile and auto-scaling group depends on the guard, which depends on the traffic rule', () => {
    const [[guardId]] = resourcesOfType(json, GUARD);
    const [[trafficId]] = resourcesOfType(json, TRAFFIC);
    const fleetResources = [
      ...resourcesOfType(json, 'AWS::EC2::LaunchTemplate'),
      ...resourcesOfType(json, 'AWS::AutoScaling::AutoScalingGroup'),
      ...resourcesOfType(json, 'AWS::IAM::InstanceProfile'),
    ];
    // Two launch templates, two groups, and the instance profile both colors share.
    expect(fleetResources).toHaveLength(5);
    for (const [, resource] of fleetResources) {
      expect(dependsOn(resource)).toContain(guardId);
    }
    expect(transitiveDependencies(json, guardId)).toContain(trafficId);
    // The guard must not wait for anything that changes a fleet, or CloudFormation would change it first.
    for (const [id] of fleetResources) {
      expect(transitiveDependencies(json, guardId)).not.toContain(id);
    }
  });

  test('the template has no dependency cycle', () => {
    expect(findDependencyCycle(json)).toBeUndefined();
  });

  test('metric helpers carry the target group and load balancer dimensions', () => {
    const resolve = (v: unknown) => Stack.of(service).resolve(v);
    const requests = service.green.metricRequestCount();
    expect(requests.metricName).toBe('RequestCount');
    expect(requests.statistic).toBe('Sum');
    expect(resolve(requests.dimensions!.TargetGroup)).toEqual({ 'Fn::GetAtt': [idOf(stack, service.green.targetGroup), 'TargetGroupFullName'] });
    expect(JSON.stringify(resolve(requests.dimensions!.LoadBalancer))).toContain(idOf(stack, service.listener as elbv2.ApplicationListener));
    expect(service.blue.metricTarget5xxCount().metricName).toBe('HTTPCode_Target_5XX_Count');
    expect(service.blue.metricTargetResponseTime().statistic).toBe('p99');
    expect(service.blue.metricTargetResponseTime({ statistic: 'p90' }).statistic).toBe('p90');
    expect(service.blue.metricUnhealthyHostCount().metricName).toBe('UnHealthyHostCount');
    expect(service.blue.metricUnhealthyHostCount().statistic).toBe('Maximum');
    expect(service.blue.metricHealthyHostCount().statistic).toBe('Minimum');
  });
});

describe('instance roles: shared unless a color brings its own role or statements', () => {
  const readReleases = new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::releases/*'] });

  function instanceSetup(extra: Partial<BlueGreenServiceProps>) {
    const { stack, vpc } = newStack();
    const service = newService(stack, vpc, extra);
    const { json } = synth(stack);
    const profileOf = (fleet: Fleet) => json.Resources[idOf(stack, fleet.launchTemplate)].Properties!.LaunchTemplateData.IamInstanceProfile;
    const statementsOf = (role: iam.IRole) => resourcesOfType(json, 'AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties!.Roles) === JSON.stringify([{ Ref: idOf(stack, role) }]))
      .flatMap(([, p]) => p.Properties!.PolicyDocument.Statement);
    const guard = resourcesOfType(json, GUARD)[0][1].Properties!;
    return { stack, service, json, profileOf, statementsOf, guard };
  }

  test("a color with statements gets its own role with them; the other color's role does not get them", () => {
    const { service, json, profileOf, statementsOf } = instanceSetup({ green: colorOptions('v2', { policyStatements: [readReleases] }) });
    expect(service.green.role).not.toBe(service.blue.role);
    expect(statementsOf(service.green.role)).toEqual([expect.objectContaining({ Action: 's3:GetObject', Resource: 'arn:aws:s3:::releases/*' })]);
    expect(statementsOf(service.blue.role)).toEqual([]);
    expect(profileOf(service.green)).not.toEqual(profileOf(service.blue));
    expect(resourcesOfType(json, 'AWS::IAM::InstanceProfile')).toHaveLength(2);
  });

  test('colors with the same statements still get a role each (no shared role is left over)', () => {
    const { service, json } = instanceSetup({
      blue: colorOptions('v1', { policyStatements: [readReleases] }),
      green: colorOptions('v2', { policyStatements: [readReleases] }),
    });
    expect(service.green.role).not.toBe(service.blue.role);
    expect(Object.keys(json.Resources).filter((id) => id.startsWith('WebInstanceRole') || id.startsWith('WebInstanceProfile'))).toEqual([]);
  });

  test("a color with a role of its own uses it; the other keeps the shared role", () => {
    const { stack, vpc } = newStack();
    const appRole = new iam.Role(stack, 'AppRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    const service = newService(stack, vpc, { blue: colorOptions('v1', { role: appRole }) });
    expect(service.blue.role).toBe(appRole);
    expect(idOf(stack, service.green.role as iam.Role)).toMatch(/^WebInstanceRole/);
  });

  test("invariant 3: one color's statements never change the other color's configuration", () => {
    const plain = instanceSetup({});
    const greenWithStatements = instanceSetup({ green: colorOptions('v2', { policyStatements: [readReleases] }) });
    expect(greenWithStatements.guard.BlueConfig).toEqual(plain.guard.BlueConfig);
    expect(greenWithStatements.guard.GreenConfig.LaunchTemplate).not.toBe(plain.guard.GreenConfig.LaunchTemplate);
  });
});

describe('invariant-2 and cycle detectors (they must be able to fail)', () => {
  test('a listener rule with a weighted forward to a fleet is reported', () => {
    const { stack, vpc } = newStack();
    const service = newService(stack, vpc);
    new elbv2.ApplicationListenerRule(stack, 'Fighting', {
      listener: service.listener,
      priority: 7,
      conditions: [elbv2.ListenerCondition.pathPatterns(['/x'])],
      action: elbv2.ListenerAction.weightedForward([
        { targetGroup: service.blue.targetGroup, weight: 100 },
        { targetGroup: service.green.targetGroup, weight: 0 },
      ]),
    });
    const { json } = synth(stack);
    const found = templateForwardsTo(json, [idOf(stack, service.blue.targetGroup), idOf(stack, service.green.targetGroup)]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^Fighting.*ListenerRule forwards to/);
  });

  test('a cycle is reported', () => {
    const json: TemplateJson = {
      Resources: {
        A: { Type: 'X', DependsOn: 'B' },
        B: { Type: 'X', Properties: { P: { 'Fn::GetAtt': ['C', 'Arn'] } } },
        C: { Type: 'X', Properties: { Q: { Ref: 'A' } } },
      },
    };
    expect(findDependencyCycle(json)).toEqual(['A', 'B', 'C', 'A']);
  });
});

describe('HTTPS', () => {
  const { stack, vpc } = newStack();
  const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:111111111111:certificate/abc');
  const service = newService(stack, vpc, { certificates: [certificate] });
  const { template, json } = synth(stack);

  test('the main listener is HTTPS on 443 with the certificate and the recommended TLS policy', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: certificate.certificateArn }],
      SslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      DefaultActions: [Match.objectLike({ Type: 'fixed-response' })],
    });
  });

  test('port 80 redirects permanently to HTTPS', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }],
    });
    expect(service.redirectListener).toBeDefined();
  });

  test('both public ports are open to the default peers; the test port is not', () => {
    const albSg = idOf(stack, service.loadBalancer!.connections.securityGroups[0] as ec2.SecurityGroup);
    const ports = (json.Resources[albSg].Properties!.SecurityGroupIngress as any[]).map((r) => [r.CidrIp, r.FromPort]);
    expect(ports.sort()).toEqual([['0.0.0.0/0', 443], ['0.0.0.0/0', 80]]);
  });

  test('the traffic rule is on the HTTPS listener, not the redirect', () => {
    template.hasResourceProperties(TRAFFIC, { ListenerArn: { Ref: idOf(stack, service.listener as elbv2.ApplicationListener) } });
  });

  test('redirectHttp: false leaves port 80 closed', () => {
    const s = newStack();
    const cert = acm.Certificate.fromCertificateArn(s.stack, 'Cert', 'arn:aws:acm:us-east-1:111111111111:certificate/abc');
    newService(s.stack, s.vpc, { certificates: [cert], redirectHttp: false });
    const t = Template.fromStack(s.stack);
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
    const ingress = resourcesOfType(t.toJSON() as TemplateJson, 'AWS::EC2::SecurityGroup').flatMap(([, r]) => r.Properties!.SecurityGroupIngress ?? []);
    expect(ingress.map((rule: any) => rule.FromPort)).toEqual([443]);
  });
});

describe('load balancer options', () => {
  test('listener and test listener peers are configurable', () => {
    const { stack, vpc } = newStack();
    const testers = new ec2.SecurityGroup(stack, 'Testers', { vpc });
    newService(stack, vpc, {
      listenerPeers: [ec2.Peer.ipv4('10.0.0.0/8')],
      testListenerPeers: [ec2.Peer.ipv4('203.0.113.0/24'), testers],
      testListenerPort: 8443,
    });
    const { template, json } = synth(stack);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: Match.arrayWith([
        Match.objectLike({ CidrIp: '10.0.0.0/8', FromPort: 80 }),
        Match.objectLike({ CidrIp: '203.0.113.0/24', FromPort: 8443 }),
      ]),
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 8443,
      SourceSecurityGroupId: { 'Fn::GetAtt': [idOf(stack, testers), 'GroupId'] },
    });
    const cidrIngress = [
      ...resourcesOfType(json, 'AWS::EC2::SecurityGroup').flatMap(([, r]) => r.Properties!.SecurityGroupIngress ?? []),
      ...resourcesOfType(json, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties!),
    ].map((rule: any) => rule.CidrIp).filter(Boolean);
    expect(cidrIngress.sort()).toEqual(['10.0.0.0/8', '203.0.113.0/24']);
  });

  test('allowTestTrafficFrom opens the test port to a connectable, both ways', () => {
    const { stack, vpc } = newStack();
    const service = newService(stack, vpc);
    const smokeTests = new ec2.SecurityGroup(stack, 'SmokeTests', { vpc, allowAllOutbound: false });
    service.allowTestTrafficFrom(smokeTests);
    const { template } = synth(stack);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 9000,
      ToPort: 9000,
      SourceSecurityGroupId: { 'Fn::GetAtt': [idOf(stack, smokeTests), 'GroupId'] },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      FromPort: 9000,
      GroupId: { 'Fn::GetAtt': [idOf(stack, smokeTests), 'GroupId'] },
    });
  });

  test('internal load balancer, deletion protection and access logs', () => {
    const { stack, vpc } = newStack({ account: '111111111111', region: 'eu-west-1' });
    const bucket = new s3.Bucket(stack, 'Logs', { enforceSSL: true });
    newService(stack, vpc, { internetFacing: false, deletionProtection: true, accessLogBucket: bucket, accessLogPrefix: 'web' });
    const { template } = synth(stack);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internal',
      Subnets: [{ Ref: Match.stringLikeRegexp('VpcPrivateSubnet1') }, { Ref: Match.stringLikeRegexp('VpcPrivateSubnet2') }],
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'deletion_protection.enabled', Value: 'true' },
        { Key: 'access_logs.s3.enabled', Value: 'true' },
        { Key: 'access_logs.s3.prefix', Value: 'web' },
      ]),
    });
  });

  test('a health check on another port opens that port from the load balancer too', () => {
    const { stack, vpc } = newStack();
    const service = newService(stack, vpc, {
      instancePort: 8080,
      blue: colorOptions('v1', { healthCheck: { port: 8081, path: '/health' } }),
      green: colorOptions('v2', { healthCheck: { port: 8081, path: '/health' } }),
    });
    const { template, json } = synth(stack);
    const instanceSg = idOf(stack, service.instanceSecurityGroup as ec2.SecurityGroup);
    const ports = resourcesOfType(json, 'AWS::EC2::SecurityGroupIngress')
      .filter(([, r]) => r.Properties!.GroupId['Fn::GetAtt']?.[0] === instanceSg)
      .map(([, r]) => r.Properties!.FromPort)
      .sort();
    expect(ports).toEqual([8080, 8081]);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { Port: 8080, HealthCheckPort: '8081', HealthCheckPath: '/health' });
  });

  test('instancesAllowAllOutbound: false leaves the instances without outbound rules', () => {
    const { stack, vpc } = newStack();
    const service = newService(stack, vpc, { instancesAllowAllOutbound: false });
    const { json } = synth(stack);
    const instanceSg = json.Resources[idOf(stack, service.instanceSecurityGroup as ec2.SecurityGroup)];
    expect(instanceSg.Properties!.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '255.255.255.255/32' })]);
  });

  test('live: GREEN sends the declared live color to both custom resources', () => {
    const { stack, vpc } = newStack();
    const service = newService(stack, vpc, { live: Color.GREEN });
    const { template } = synth(stack);
    expect(service.idleColor).toBe(Color.BLUE);
    template.hasResourceProperties(TRAFFIC, { LiveColor: 'GREEN' });
    template.hasResourceProperties(GUARD, { DeclaredLive: 'GREEN' });
  });
});

describe('existing listener', () => {
  function importedListener(stack: Stack, id: string, arn: string) {
    const securityGroup = ec2.SecurityGroup.fromSecurityGroupId(stack, `${id}Sg`, 'sg-0123456789abcdef0', { allowAllOutbound: false });
    return elbv2.ApplicationListener.fromApplicationListenerAttributes(stack, id, { listenerArn: arn, securityGroup });
  }
  const listenerArn = 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/shared/50dc6c495c0c9188/f2f7dc8efc522ab2';
  const testListenerArn = 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/shared/50dc6c495c0c9188/aaaabbbbccccdddd';

  test('adds no load balancer or listener; the rule has the given priority and conditions in API shape', () => {
    const { stack, vpc } = newStack();
    const listener = importedListener(stack, 'Shared', listenerArn);
    const testListener = importedListener(stack, 'SharedTest', testListenerArn);
    const service = newService(stack, vpc, {
      listener,
      listenerRulePriority: 120,
      listenerConditions: [
        elbv2.ListenerCondition.hostHeaders(['shop.example.com']),
        elbv2.ListenerCondition.pathPatterns(['/api/*']),
        elbv2.ListenerCondition.httpHeader('X-Canary', ['1']),
      ],
      testListener,
      testListenerRulePriority: 7,
    });
    const { template, json } = synth(stack);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 0);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 0);
    const conditions = [
      { Field: 'host-header', HostHeaderConfig: { Values: ['shop.example.com'] } },
      { Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } },
      { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Canary', Values: ['1'] } },
    ];
    template.hasResourceProperties(TRAFFIC, {
      ListenerArn: listenerArn,
      Priority: 120,
      Conditions: conditions,
      TestListenerArn: testListenerArn,
      TestPriority: 7,
      TestConditions: conditions,
    });
    expect(service.loadBalancer).toBeUndefined();
    expect(service.testListener).toBe(testListener);
    // The listener's security group may reach the instances on the instance port.
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 80,
      SourceSecurityGroupId: 'sg-0123456789abcdef0',
      GroupId: { 'Fn::GetAtt': [idOf(stack, service.instanceSecurityGroup as ec2.SecurityGroup), 'GroupId'] },
    });
    expect(templateForwardsTo(json, [idOf(stack, service.blue.targetGroup), idOf(stack, service.green.targetGroup)])).toEqual([]);
    expect(findDependencyCycle(json)).toBeUndefined();
  });

  test('the traffic handler may change rules only on those two listeners', () => {
    const { stack, vpc } = newStack();
    newService(stack, vpc, {
      listener: importedListener(stack, 'Shared', listenerArn),
      listenerRulePriority: 5,
      listenerConditions: [elbv2.ListenerCondition.hostHeaders(['a.example.com'])],
      testListener: importedListener(stack, 'SharedTest', testListenerArn),
    });
    const { template } = synth(stack);
    const rules = (arn: string) => `${arn.replace(':listener/', ':listener-rule/')}/*`;
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'elasticloadbalancing:CreateRule', Resource: [listenerArn, testListenerArn, rules(listenerArn), rules(testListenerArn)] }),
          Match.objectLike({
            Action: ['elasticloadbalancing:ModifyRule', 'elasticloadbalancing:DeleteRule', 'elasticloadbalancing:SetRulePriorities', 'elasticloadbalancing:AddTags'],
            Resource: [rules(listenerArn), rules(testListenerArn)],
          }),
        ]),
      },
    });
  });

  test('with an ApplicationListener of this app, the test listener is created on its load balancer', () => {
    const { stack, vpc } = newStack();
    const alb = new elbv2.ApplicationLoadBalancer(stack, 'Shared', { vpc, internetFacing: true });
    const https = alb.addListener('Https', { port: 80, defaultAction: elbv2.ListenerAction.fixedResponse(404) });
    const service = newService(stack, vpc, {
      listener: https,
      listenerRulePriority: 10,
      listenerConditions: [elbv2.ListenerCondition.hostHeaders(['app.example.com'])],
      testListenerPort: 9100,
    });
    const { template } = synth(stack);
    expect(service.loadBalancer).toBe(alb);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 9100,
      LoadBalancerArn: { Ref: idOf(stack, alb) },
      DefaultActions: [Match.objectLike({ Type: 'fixed-response' })],
    });
    template.hasResourceProperties(TRAFFIC, {
      Priority: 10,
      Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['app.example.com'] } }],
      TestListenerArn: { Ref: idOf(stack, service.testListener as elbv2.ApplicationListener) },
      TestPriority: 1,
      TestConditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
    });
  });

  test('with an imported listener and load balancer, the test listener is created on that load balancer', () => {
    const { stack, vpc } = newStack();
    const loadBalancer = elbv2.ApplicationLoadBalancer.fromApplicationLoadBalancerAttributes(stack, 'Lb', {
      loadBalancerArn: 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/shared/50dc6c495c0c9188',
      securityGroupId: 'sg-0aaaaaaaaaaaaaaaa',
      securityGroupAllowsAllOutbound: false,
      vpc,
    });
    const service = newService(stack, vpc, {
      listener: importedListener(stack, 'Shared', listenerArn),
      loadBalancer,
      listenerRulePriority: 10,
      listenerConditions: [elbv2.ListenerCondition.pathPatterns(['/shop/*'])],
      testListenerPeers: [ec2.Peer.ipv4('198.51.100.7/32')],
    });
    const { template } = synth(stack);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      LoadBalancerArn: loadBalancer.loadBalancerArn,
      Port: 9000,
      Protocol: 'HTTP',
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: 'sg-0aaaaaaaaaaaaaaaa',
      CidrIp: '198.51.100.7/32',
      FromPort: 9000,
    });
    expect(service.loadBalancer).toBe(loadBalancer);
    expect(service.testListenerPort).toBe(9000);
  });

  test('allowTestTrafficFrom uses the port of a shared test listener, or says what is missing', () => {
    const { stack, vpc } = newStack();
    const common = {
      listener: importedListener(stack, 'Shared', listenerArn),
      listenerRulePriority: 10,
      listenerConditions: [elbv2.ListenerCondition.pathPatterns(['/shop/*'])],
    };
    const withPort = newService(stack, vpc, {
      ...common,
      testListener: elbv2.ApplicationListener.fromApplicationListenerAttributes(stack, 'T1', {
        listenerArn: testListenerArn,
        securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'T1Sg', 'sg-0bbbbbbbbbbbbbbbb'),
        defaultPort: 8443,
      }),
    }, 'A');
    withPort.allowTestTrafficFrom(ec2.Peer.ipv4('198.51.100.7/32'));
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: 'sg-0bbbbbbbbbbbbbbbb',
      CidrIp: '198.51.100.7/32',
      FromPort: 8443,
    });
    const withoutPort = newService(stack, vpc, { ...common, testListener: importedListener(stack, 'T2', testListenerArn) }, 'B');
    expect(() => withoutPort.allowTestTrafficFrom(ec2.Peer.ipv4('198.51.100.7/32')))
      .toThrow(/Stack\/B: allowTestTrafficFrom: the testListener you passed does not say which port it listens on/);
  });

  test('two services on one load balancer cannot both take the default test port', () => {
    const { stack, vpc } = newStack();
    const alb = new elbv2.ApplicationLoadBalancer(stack, 'Shared', { vpc });
    const listener = alb.addListener('Http', { port: 80, defaultAction: elbv2.ListenerAction.fixedResponse(404) });
    const shared = { listener, listenerConditions: [elbv2.ListenerCondition.hostHeaders(['a.example.com'])] };
    newService(stack, vpc, { ...shared, listenerRulePriority: 1 }, 'A');
    expect(() => newService(stack, vpc, { ...shared, listenerRulePriority: 2 }, 'B'))
      .toThrow(/Stack\/B: testListenerPort \(9000\) is already the test listener port of Stack\/A/);
    newService(stack, vpc, { ...shared, listenerRulePriority: 3, testListenerPort: 9001 }, 'C');
  });
});

describe('several services in one stack', () => {
  const { stack, vpc } = newStack();
  const a = newService(stack, vpc, {}, 'A');
  const b = newService(stack, vpc, {}, 'B');
  const { template, json } = synth(stack);

  test('share one function and one provider per handler', () => {
    // The library's functions exist once per stack: a stack with one service has as many.
    const single = newStack();
    newService(single.stack, single.vpc, {}, 'Only');
    const functionsForOne = Object.keys(Template.fromStack(single.stack).findResources('AWS::Lambda::Function')).length;
    expect(functionsForOne).toBeGreaterThanOrEqual(4);
    template.resourceCountIs('AWS::Lambda::Function', functionsForOne);
    template.resourceCountIs(TRAFFIC, 2);
    template.resourceCountIs(GUARD, 2);
    const tokens = (type: string) => new Set(resourcesOfType(json, type).map(([, r]) => JSON.stringify(r.Properties!.ServiceToken)));
    expect(tokens(TRAFFIC).size).toBe(1);
    expect(tokens(GUARD).size).toBe(1);
  });

  test('each service grants the shared traffic handler rule changes on its own listeners only', () => {
    const policies = resourcesOfType(json, 'AWS::IAM::Policy')
      .filter(([id]) => id.startsWith('CdkBlueGreenTrafficRuleHandler'));
    expect(policies).toHaveLength(1);
    const statements = policies[0][1].Properties!.PolicyDocument.Statement as any[];
    const createRule = statements.filter((s) => s.Action === 'elasticloadbalancing:CreateRule');
    expect(createRule).toHaveLength(2);
    const ids = (service: BlueGreenService) => [
      idOf(stack, service.listener as elbv2.ApplicationListener),
      idOf(stack, service.testListener as elbv2.ApplicationListener),
    ];
    for (const [statement, service, other] of [[createRule[0], a, b], [createRule[1], b, a]] as const) {
      const text = JSON.stringify(statement.Resource);
      for (const id of ids(service)) expect(text).toContain(id);
      for (const id of ids(other)) expect(text).not.toContain(id);
    }
  });

  test('no elasticloadbalancing mutating action is allowed on "*"', () => {
    const readOnly = /^elasticloadbalancing:Describe/;
    for (const [id, policy] of resourcesOfType(json, 'AWS::IAM::Policy')) {
      for (const statement of policy.Properties!.PolicyDocument.Statement as any[]) {
        const actions: string[] = [statement.Action].flat();
        const resources: unknown[] = [statement.Resource].flat();
        const mutating = actions.filter((action) => action.startsWith('elasticloadbalancing:') && !readOnly.test(action));
        if (mutating.length > 0) {
          expect({ id, resources }).toEqual({ id, resources: expect.not.arrayContaining(['*']) });
          expect(mutating.every((action) => !action.includes('*'))).toBe(true);
        }
      }
    }
  });

  test('rule ARNs in the policy are derived from the listener ARN', () => {
    const policy = resourcesOfType(json, 'AWS::IAM::Policy').find(([id]) => id.startsWith('CdkBlueGreenTrafficRuleHandler'))![1];
    const modify = (policy.Properties!.PolicyDocument.Statement as any[]).find((s) => [s.Action].flat().includes('elasticloadbalancing:ModifyRule'));
    expect(modify.Resource[0]).toEqual({
      'Fn::Join': ['', [
        { 'Fn::Join': [':listener-rule/', { 'Fn::Split': [':listener/', { Ref: idOf(stack, a.listener as elbv2.ApplicationListener) }] }] },
        '/*',
      ]],
    });
  });

  test('no dependency cycle with several services', () => {
    expect(findDependencyCycle(json)).toBeUndefined();
  });
});

describe('durations and late user data', () => {
  test('user data added after construction reaches the guard', () => {
    const { stack, vpc } = newStack();
    const blue = colorOptions('v1');
    newService(stack, vpc, { blue, deregistrationDelay: Duration.seconds(0) });
    blue.userData!.addCommands('echo late');
    const { template } = synth(stack);
    template.hasResourceProperties(GUARD, { BlueConfig: Match.objectLike({ UserData: '#!/bin/bash\ninstall-app v1\necho late' }) });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '0' }]),
    });
  });
});
