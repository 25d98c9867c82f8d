// Shared set-up and template queries for the BlueGreenService tests.
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { BlueGreenService, BlueGreenServiceProps, Color, FleetOptions } from '../lib';

export type TemplateJson = { Resources: Record<string, CfnResource> };
export interface CfnResource {
  Type: string;
  Properties?: Record<string, any>;
  DependsOn?: string | string[];
}

export function newStack(env?: { account: string; region: string }): { app: App; stack: Stack; vpc: ec2.Vpc } {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
  return { app, stack, vpc };
}

export const machineImage = ec2.MachineImage.genericLinux({ 'us-east-1': 'ami-0123456789abcdef0', 'eu-west-1': 'ami-0fedcba9876543210' });

export function colorOptions(version: string, extra: Partial<FleetOptions> = {}): FleetOptions {
  const userData = ec2.UserData.forLinux();
  userData.addCommands(`install-app ${version}`);
  return { machineImage, userData, ...extra };
}

/** The snippet from the README: vpc, two colors, live. */
export function minimalProps(vpc: ec2.IVpc, extra: Partial<BlueGreenServiceProps> = {}): BlueGreenServiceProps {
  return { vpc, blue: colorOptions('v1'), green: colorOptions('v2'), live: Color.BLUE, ...extra };
}

export function resourcesOfType(template: TemplateJson, type: string): Array<[string, CfnResource]> {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

export function dependsOn(resource: CfnResource): string[] {
  if (!resource.DependsOn) return [];
  return Array.isArray(resource.DependsOn) ? resource.DependsOn : [resource.DependsOn];
}

/** Logical ids a value references through Ref / Fn::GetAtt. */
export function referencedIds(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    value.forEach((v) => referencedIds(v, out));
  } else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Ref' && typeof v === 'string') out.add(v);
      else if (key === 'Fn::GetAtt' && Array.isArray(v)) out.add(String(v[0]));
      else if (key === 'Fn::GetAtt' && typeof v === 'string') out.add(v.split('.')[0]);
      else referencedIds(v, out);
    }
  }
  return out;
}

/** A cycle in the resource graph (DependsOn + references), or undefined when there is none. */
export function findDependencyCycle(template: TemplateJson): string[] | undefined {
  const ids = new Set(Object.keys(template.Resources));
  const edges = new Map<string, string[]>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    const targets = new Set([...dependsOn(resource), ...referencedIds(resource.Properties)]);
    edges.set(id, [...targets].filter((t) => ids.has(t)));
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const next of edges.get(id) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of ids) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Every logical id `id` depends on, directly or transitively (DependsOn + references). */
export function transitiveDependencies(template: TemplateJson, id: string): Set<string> {
  const seen = new Set<string>();
  const pending = [id];
  while (pending.length > 0) {
    const current = template.Resources[pending.pop()!];
    if (!current) continue;
    for (const next of [...dependsOn(current), ...referencedIds(current.Properties)]) {
      if (!seen.has(next) && template.Resources[next]) {
        seen.add(next);
        pending.push(next);
      }
    }
  }
  return seen;
}

/**
 * Listener default actions and listener rules that forward to any of `targetGroupIds` (invariant 2:
 * only the traffic custom resource may do that, at run time). Returns "<logical id>: <why>" lines.
 */
export function templateForwardsTo(template: TemplateJson, targetGroupIds: string[]): string[] {
  const found: string[] = [];
  const actionsOf = (r: CfnResource): unknown[] => {
    if (r.Type === 'AWS::ElasticLoadBalancingV2::Listener') return r.Properties?.DefaultActions ?? [];
    if (r.Type === 'AWS::ElasticLoadBalancingV2::ListenerRule') return r.Properties?.Actions ?? [];
    return [];
  };
  for (const [id, resource] of Object.entries(template.Resources)) {
    for (const action of actionsOf(resource)) {
      const refs = [...referencedIds(action)].filter((ref) => targetGroupIds.includes(ref));
      if (refs.length > 0) found.push(`${id}: ${resource.Type} forwards to ${refs.join(', ')}`);
    }
  }
  return found;
}

export function newService(stack: Stack, vpc: ec2.IVpc, extra: Partial<BlueGreenServiceProps> = {}, id = 'Web'): BlueGreenService {
  return new BlueGreenService(stack, id, minimalProps(vpc, extra));
}
