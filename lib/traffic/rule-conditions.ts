import { Token } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { PropErrors } from '../private/prop-validation';

/** ALB evaluates at most five condition values per rule. */
const MAX_CONDITION_VALUES = 5;

/** Condition fields ALB accepts at most once per rule. */
const SINGLE_USE_FIELDS = new Set(['host-header', 'path-pattern', 'http-request-method', 'source-ip']);

/** The rule the library uses on listeners it creates: everything. */
export const MATCH_ALL_PATHS: Record<string, unknown>[] = [
  { Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } },
];

/**
 * Converts CDK listener conditions to the ELBv2 API's `RuleCondition` shape (what the traffic
 * custom resource passes to `CreateRule`): the same structure with PascalCase keys.
 */
export function toRuleConditions(conditions: elbv2.ListenerCondition[]): Record<string, unknown>[] {
  return conditions.map((condition) => pascalKeys(condition.renderRawCondition()) as Record<string, unknown>);
}

/** Checks conditions against the limits ALB enforces on a rule, so the deploy does not fail on them. */
export function validateRuleConditions(errors: PropErrors, prop: string, conditions: elbv2.ListenerCondition[] | undefined): void {
  if (conditions === undefined) {
    errors.add(prop, 'is required with listener: at least one condition such as ListenerCondition.hostHeaders([\'app.example.com\']) or ListenerCondition.pathPatterns([\'/app/*\']).');
    return;
  }
  if (!Array.isArray(conditions) || conditions.length === 0) {
    errors.add(prop, 'must contain at least one ListenerCondition (host header, path pattern, ...), so the rule does not catch every request on a shared listener.');
    return;
  }
  const seen = new Set<string>();
  let values = 0;
  conditions.forEach((condition, i) => {
    if (!condition || typeof (condition as elbv2.ListenerCondition).renderRawCondition !== 'function') {
      errors.add(`${prop}[${i}]`, 'must be created with elbv2.ListenerCondition (hostHeaders, pathPatterns, httpHeader, ...).');
      return;
    }
    const raw = condition.renderRawCondition() as { field?: string };
    const field = String(raw.field);
    if (SINGLE_USE_FIELDS.has(field)) {
      if (seen.has(field)) errors.add(`${prop}[${i}]`, `repeats the ${field} condition; ALB allows it once per rule, so put all values in one condition.`);
      seen.add(field);
    }
    values += countValues(raw);
  });
  if (values > MAX_CONDITION_VALUES) {
    errors.add(prop, `has ${values} condition values; ALB allows at most ${MAX_CONDITION_VALUES} per rule.`);
  }
}

function countValues(raw: unknown): number {
  // Each condition config has one `values` list; an unresolved list counts as one value.
  let count = 0;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return;
    if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'values') count += Array.isArray(value) ? value.length : 1;
        else visit(value);
      }
    }
  };
  visit(raw);
  return count || (Token.isUnresolved(raw) ? 1 : 0);
}

function pascalKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pascalKeys);
  if (value && typeof value === 'object' && !Token.isUnresolved(value)) {
    return Object.fromEntries(Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k.charAt(0).toUpperCase() + k.slice(1), pascalKeys(v)]));
  }
  return value;
}
