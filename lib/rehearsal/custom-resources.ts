// How CloudFormation and cr.Provider run custom resources, read from the template: which Lambda
// functions answer a resource, how often a provider polls isComplete, and the order in which a
// deploy reaches each resource.
import type { FunctionDefinition } from './lambda-runtime';
import type { RehearsalTemplate } from './template';

export interface CustomResourceProvider {
  readonly onEvent: FunctionDefinition;
  readonly isComplete?: FunctionDefinition;
  /** isComplete is called right after onEvent, then after pollSeconds × backoff^n, at most maxPolls more times. */
  readonly pollSeconds: number;
  readonly maxPolls: number;
  readonly backoff: number;
}

/**
 * The functions behind a custom resource: its ServiceToken function, or, for a cr.Provider, the
 * user's onEvent/isComplete handlers named in the framework function's environment.
 */
export function findProvider(
  template: RehearsalTemplate,
  logicalId: string,
  functionByReference: (reference: string) => FunctionDefinition | undefined,
): CustomResourceProvider | undefined {
  const token = template.resolve(template.resource(logicalId).Properties?.ServiceToken);
  const target = typeof token === 'string' ? functionByReference(token) : undefined;
  if (!target) return undefined;
  const env = target.environment();
  if (!env.USER_ON_EVENT_FUNCTION_ARN) {
    return { onEvent: target, pollSeconds: 5, maxPolls: 0, backoff: 1 };
  }
  const onEvent = functionByReference(env.USER_ON_EVENT_FUNCTION_ARN);
  if (!onEvent) return undefined;
  const isComplete = env.USER_IS_COMPLETE_FUNCTION_ARN ? functionByReference(env.USER_IS_COMPLETE_FUNCTION_ARN) : undefined;
  // The provider framework polls isComplete from a waiter state machine: its Retry is the policy.
  // cr.Provider's documented defaults (every 5 s for 30 minutes) apply when it cannot be read.
  let policy = { pollSeconds: 5, maxPolls: 360, backoff: 1 };
  const waiter = template.resourcesOfType('AWS::StepFunctions::StateMachine')
    .find((r) => template.ref(r.logicalId) === env.WAITER_STATE_MACHINE_ARN);
  if (waiter) {
    const definition = JSON.parse(template.resolveString(template.resource(waiter.logicalId).Properties?.DefinitionString, 'waiter definition'));
    const retry = Object.values<any>(definition.States ?? {}).flatMap((s) => s.Retry ?? [])[0];
    policy = {
      pollSeconds: retry?.IntervalSeconds ?? policy.pollSeconds,
      maxPolls: retry?.MaxAttempts ?? policy.maxPolls,
      backoff: retry?.BackoffRate ?? policy.backoff,
    };
  }
  return { onEvent, isComplete, ...policy };
}

/** Logical ids in an order CloudFormation could create them: every resource after its dependencies. */
export function deploymentOrder(template: RehearsalTemplate): string[] {
  const resources = template.template.Resources;
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string) => {
    if (state.get(id) === 'done' || !resources[id]) return;
    if (state.get(id) === 'visiting') return; // CloudFormation rejects cycles; keep going.
    state.set(id, 'visiting');
    const dependencies = new Set<string>([resources[id].DependsOn ?? []].flat());
    collectReferences(resources[id].Properties, dependencies);
    for (const dependency of dependencies) visit(dependency);
    state.set(id, 'done');
    order.push(id);
  };
  Object.keys(resources).forEach(visit);
  return order;
}

/** Logical ids a value references through Ref, Fn::GetAtt and Fn::Sub. */
function collectReferences(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    value.forEach((v) => collectReferences(v, into));
  } else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Ref' && typeof v === 'string' && !v.startsWith('AWS::')) into.add(v);
      else if (key === 'Fn::GetAtt') into.add(Array.isArray(v) ? String(v[0]) : String(v).split('.')[0]);
      else if (key === 'Fn::Sub') {
        const text = typeof v === 'string' ? v : (v as unknown[])[0];
        for (const m of String(text).matchAll(/\$\{([^}!.]+)[^}]*\}/g)) if (!m[1].startsWith('AWS::')) into.add(m[1]);
        if (Array.isArray(v)) collectReferences(v[1], into);
      } else collectReferences(v, into);
    }
  }
}
