// The in-memory AWS built from a template: what CloudFormation would have created. Each function
// reads one resource type and adds (or, on a deploy, updates) its part of the model.
import type { AlarmModel } from './aws/alarm-model';
import type { DynamoDbModel, KeySchema } from './aws/dynamodb-model';
import type { AutoScalingGroupState } from './aws/fleet-model';
import type { LoadBalancingModel } from './aws/load-balancing-model';
import { stableHex } from './fake-identifiers';
import type { FunctionDefinition } from './lambda-runtime';
import type { RehearsalTemplate } from './template';

/** Load balancers, target groups, listeners and the rules the template declares. */
export function addLoadBalancing(t: RehearsalTemplate, model: LoadBalancingModel): void {
  for (const { logicalId } of t.resourcesOfType('AWS::ElasticLoadBalancingV2::LoadBalancer')) {
    model.addLoadBalancer(t.ref(logicalId), String(t.getAtt(logicalId, 'LoadBalancerName')), String(t.getAtt(logicalId, 'DNSName')));
  }
  const listeners = t.resourcesOfType('AWS::ElasticLoadBalancingV2::Listener')
    .map(({ logicalId }) => ({ logicalId, props: t.resolvedProperties(logicalId) }));
  for (const { logicalId } of t.resourcesOfType('AWS::ElasticLoadBalancingV2::TargetGroup')) {
    const props = t.resolvedProperties(logicalId);
    const arn = t.ref(logicalId);
    const lbs = listeners.filter((l) => JSON.stringify(l.props.DefaultActions ?? []).includes(arn)).map((l) => l.props.LoadBalancerArn);
    model.addTargetGroup({
      arn, name: String(t.getAtt(logicalId, 'TargetGroupName')), port: Number(props.Port ?? 80), protocol: props.Protocol ?? 'HTTP',
      attributes: Object.fromEntries((props.TargetGroupAttributes ?? []).map((a: any) => [a.Key, String(a.Value)])),
      loadBalancerArns: [...new Set(lbs as string[])],
    });
  }
  for (const { logicalId, props } of listeners) {
    model.addListener({
      arn: t.ref(logicalId), loadBalancerArn: props.LoadBalancerArn, port: Number(props.Port ?? (props.Protocol === 'HTTPS' ? 443 : 80)),
      protocol: props.Protocol ?? 'HTTP',
    }, props.DefaultActions ?? []);
  }
  for (const { logicalId } of t.resourcesOfType('AWS::ElasticLoadBalancingV2::ListenerRule')) {
    const props = t.resolvedProperties(logicalId);
    model.addTemplateRule(t.ref(logicalId), props.ListenerArn, Number(props.Priority), props.Conditions ?? [], props.Actions ?? []);
  }
}

/** Alarms of the template not yet in the model; they start in OK. */
export function addAlarms(t: RehearsalTemplate, model: AlarmModel, now: Date): void {
  for (const type of ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm']) {
    for (const { logicalId } of t.resourcesOfType(type)) {
      if (model.find(t.ref(logicalId))) continue;
      model.add({
        name: t.ref(logicalId), arn: String(t.getAtt(logicalId, 'Arn')), composite: type.endsWith('CompositeAlarm'),
        definition: t.resolvedProperties(logicalId), state: 'OK', reason: 'rehearsal: initial state', updatedAt: now,
      });
    }
  }
}

/** Tables of the template not yet in the model, with their key schemas and indexes. */
export function addTables(t: RehearsalTemplate, model: DynamoDbModel): void {
  const keys = (schema: any[]): KeySchema => ({
    partitionKey: schema.find((k) => k.KeyType === 'HASH')?.AttributeName,
    sortKey: schema.find((k) => k.KeyType === 'RANGE')?.AttributeName,
  });
  for (const { logicalId } of t.resourcesOfType('AWS::DynamoDB::Table').concat(t.resourcesOfType('AWS::DynamoDB::GlobalTable'))) {
    if (model.tableNames().includes(t.ref(logicalId))) continue;
    const props = t.resolvedProperties(logicalId);
    model.createTable({
      name: t.ref(logicalId), ...keys(props.KeySchema ?? []),
      indexes: Object.fromEntries((props.GlobalSecondaryIndexes ?? []).concat(props.LocalSecondaryIndexes ?? [])
        .map((i: any) => [i.IndexName, keys(i.KeySchema)])),
    });
  }
}

/**
 * Each launch template's version number: a new version whenever its data changes. Recorded as the
 * template's LatestVersionNumber/DefaultVersionNumber attributes.
 */
export function trackLaunchTemplateVersions(t: RehearsalTemplate, versions: Map<string, { data: string; version: number }>): void {
  for (const { logicalId } of t.resourcesOfType('AWS::EC2::LaunchTemplate')) {
    const data = JSON.stringify(t.resolve(t.resource(logicalId).Properties?.LaunchTemplateData ?? {}));
    const known = versions.get(logicalId);
    const version = !known ? 1 : known.data === data ? known.version : known.version + 1;
    versions.set(logicalId, { data, version });
    t.setAttribute(logicalId, 'LatestVersionNumber', String(version));
    t.setAttribute(logicalId, 'DefaultVersionNumber', String(version));
  }
}

/** An Auto Scaling group as the template configures it. */
export function autoScalingGroupOf(t: RehearsalTemplate, logicalId: string): AutoScalingGroupState {
  const props = t.resolvedProperties(logicalId);
  const min = Number(props.MinSize ?? 0);
  return {
    name: t.ref(logicalId), minSize: min, maxSize: Number(props.MaxSize ?? min),
    desiredCapacity: Number(props.DesiredCapacity ?? min), targetGroupArns: props.TargetGroupARNs ?? [],
    launchTemplateVersion: stableHex(JSON.stringify(props.LaunchTemplate ?? props.LaunchConfigurationName ?? {}), 8),
  };
}

/** A Lambda function of the template; its environment is resolved at first use (it may name custom resource outputs). */
export function functionOf(t: RehearsalTemplate, logicalId: string, codeDirectory: string | undefined): FunctionDefinition {
  const props = t.resource(logicalId).Properties ?? {};
  const code = (props.Code ?? {}) as Record<string, unknown>;
  let environment: Record<string, string> | undefined;
  return {
    logicalId,
    functionName: t.ref(logicalId),
    functionArn: String(t.getAtt(logicalId, 'Arn')),
    codeDirectory,
    inlineCode: typeof code.ZipFile === 'string' ? code.ZipFile : code.ZipFile ? String(t.resolve(code.ZipFile)) : undefined,
    handler: String(t.resolve(props.Handler ?? 'index.handler')),
    runtime: String(t.resolve(props.Runtime ?? 'nodejs')),
    memoryMb: Number(t.resolve(props.MemorySize ?? 128)),
    timeoutSeconds: Number(t.resolve(props.Timeout ?? 3)),
    environment: () => {
      environment ??= Object.fromEntries(Object.entries<unknown>(
        (t.resolve((props.Environment as any)?.Variables ?? {}) ?? {}) as Record<string, unknown>,
      ).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
      return environment;
    },
  };
}
