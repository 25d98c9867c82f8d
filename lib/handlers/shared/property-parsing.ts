// Validation of custom resource properties. CloudFormation passes every value as a string
// (numbers and booleans included), and a wrong value here is usually a construct bug or a
// hand-edited template, so messages name the property, the value and what is allowed.
import type { RuleCondition } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { FleetColor } from './color-weights';

export type RawProperties = Record<string, unknown>;

function describeValue(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

export function requireString(props: RawProperties, name: string, resource: string): string {
  const value = props[name];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new Error(
      `${resource}: property ${name} must be a non-empty string, got ${describeValue(value)}. ` +
      'It is set by cdk-blue-green; redeploy with an unmodified template.',
    );
  }
  return value;
}

export function requireArn(props: RawProperties, name: string, resource: string): string {
  const value = requireString(props, name, resource);
  if (!value.startsWith('arn:')) {
    throw new Error(
      `${resource}: property ${name} must be an ARN (arn:...), got ${describeValue(value)}. ` +
      'It is set by cdk-blue-green; redeploy with an unmodified template.',
    );
  }
  return value;
}

/** An integer in [min, max]; accepts a number or its decimal string form. */
export function requireInteger(
  props: RawProperties,
  name: string,
  range: { readonly min: number; readonly max: number },
  resource: string,
): number {
  const value = props[name];
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^\d+$/.test(text.trim()) ||
      Number(text) < range.min || Number(text) > range.max) {
    throw new Error(
      `${resource}: property ${name} must be a whole number from ${range.min} to ${range.max}, ` +
      `got ${describeValue(value)}. Choose a value in that range.`,
    );
  }
  return Number(text);
}

export function requireColor(props: RawProperties, name: string, resource: string): FleetColor {
  const value = props[name];
  if (value !== 'BLUE' && value !== 'GREEN') {
    throw new Error(
      `${resource}: property ${name} must be BLUE or GREEN, got ${describeValue(value)}. ` +
      'Use Color.BLUE or Color.GREEN.',
    );
  }
  return value;
}

/**
 * A non-empty list of ELBv2 rule conditions (objects with a Field). The inner values are passed
 * to ELBv2 unchanged: it validates them and its message names the problem.
 */
export function requireConditions(props: RawProperties, name: string, resource: string): RuleCondition[] {
  const value = props[name];
  if (!Array.isArray(value) || value.length === 0 ||
      !value.every((c) => typeof c === 'object' && c !== null && typeof (c as RuleCondition).Field === 'string')) {
    throw new Error(
      `${resource}: property ${name} must be a non-empty list of listener rule conditions ` +
      `(objects with a Field, e.g. {"Field":"path-pattern","PathPatternConfig":{"Values":["/*"]}}), ` +
      `got ${describeValue(value)}. ELBv2 requires at least one condition on a non-default rule.`,
    );
  }
  return value as RuleCondition[];
}

/** An object whose listed fields are all strings (e.g. a fleet configuration fingerprint). */
export function requireStringRecord<K extends string>(
  props: RawProperties,
  name: string,
  fields: readonly K[],
  resource: string,
): Record<K, string> {
  const value = props[name];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(
      `${resource}: property ${name} must be an object with ${fields.join(', ')}, got ${describeValue(value)}. ` +
      'It is set by cdk-blue-green; redeploy with an unmodified template.',
    );
  }
  const record = value as Record<string, unknown>;
  const result = {} as Record<K, string>;
  for (const field of fields) {
    const fieldValue = record[field];
    if (typeof fieldValue !== 'string') {
      throw new Error(
        `${resource}: property ${name}.${field} must be a string, got ${describeValue(fieldValue)}. ` +
        'It is set by cdk-blue-green; redeploy with an unmodified template.',
      );
    }
    result[field] = fieldValue;
  }
  return result;
}
