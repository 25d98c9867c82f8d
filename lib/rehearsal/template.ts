// A synthesized CloudFormation template with every intrinsic function resolved the way a deploy
// would resolve it, using deterministic fake identifiers (see fake-identifiers.ts). Custom
// resources that the rehearsal ran contribute their real physical id and Data.
import {
  REHEARSAL_ACCOUNT,
  REHEARSAL_PARTITION,
  REHEARSAL_REGION,
  attributeValue,
  refValue,
  stableHex,
} from './fake-identifiers';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
  readonly Condition?: string;
  readonly Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Parameters?: Record<string, { Type: string; Default?: unknown }>;
  readonly Conditions?: Record<string, unknown>;
  readonly Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  readonly Outputs?: Record<string, unknown>;
}

/** What a custom resource returned when the rehearsal ran its handler. */
export interface CustomResourceOutput {
  readonly physicalResourceId: string;
  readonly data: Record<string, unknown>;
}

/** Marker for AWS::NoValue: the property or list element disappears. */
const NO_VALUE = Symbol('AWS::NoValue');

export class RehearsalTemplate {
  public readonly stackName: string;
  /** Construct path of each logical id (when the template came from a Stack object). */
  public readonly constructPaths: ReadonlyMap<string, string>;
  private readonly customResourceOutputs = new Map<string, CustomResourceOutput>();
  private readonly attributes = new Map<string, unknown>();

  constructor(
    public readonly template: CfnTemplate,
    options: { readonly stackName?: string; readonly constructPaths?: ReadonlyMap<string, string> } = {},
  ) {
    this.stackName = options.stackName ?? 'RehearsalStack';
    this.constructPaths = options.constructPaths ?? new Map();
    if (!template || typeof template.Resources !== 'object') {
      throw new Error('rehearsal: the template has no Resources section. Pass a synthesized stack template (Template.fromStack(stack).toJSON() or cdk.out/<Stack>.template.json).');
    }
  }

  public resource(logicalId: string): CfnResource {
    const resource = this.template.Resources[logicalId];
    if (!resource) {
      throw new Error(`rehearsal: the template has no resource '${logicalId}'.`);
    }
    return resource;
  }

  /** Logical ids and resources of one CloudFormation type, in template order. */
  public resourcesOfType(type: string): Array<{ logicalId: string; resource: CfnResource }> {
    return Object.entries(this.template.Resources)
      .filter(([, r]) => r.Type === type)
      .map(([logicalId, resource]) => ({ logicalId, resource }));
  }

  /** Records a custom resource's result so `Ref`/`Fn::GetAtt` on it return what the handler said. */
  public recordCustomResourceOutput(logicalId: string, output: CustomResourceOutput): void {
    this.customResourceOutputs.set(logicalId, output);
  }

  /** Sets what `Fn::GetAtt` returns for one attribute (values the world tracks, e.g. launch template versions). */
  public setAttribute(logicalId: string, attribute: string, value: unknown): void {
    this.attributes.set(`${logicalId}.${attribute}`, value);
  }

  public customResourceOutput(logicalId: string): CustomResourceOutput | undefined {
    return this.customResourceOutputs.get(logicalId);
  }

  /** The construct path of a logical id, or the logical id itself when no path is known. */
  public describe(logicalId: string): string {
    return this.constructPaths.get(logicalId) ?? logicalId;
  }

  /**
   * Finds a resource of `type` by logical id, construct path (or a unique part of it) or the
   * physical name the rehearsal gave it. Throws a message listing the candidates otherwise.
   */
  public findResource(type: string, reference: string): string {
    const candidates = this.resourcesOfType(type).map((r) => r.logicalId);
    const exact = candidates.find((id) => id === reference || this.constructPaths.get(id) === reference
      || this.ref(id) === reference);
    if (exact) {
      return exact;
    }
    const partial = candidates.filter((id) => (this.constructPaths.get(id) ?? id).includes(reference));
    if (partial.length === 1) {
      return partial[0];
    }
    const listing = candidates.map((id) => `${this.describe(id)} (${id})`).join(', ') || 'none';
    throw new Error(
      `rehearsal: '${reference}' ${partial.length > 1 ? 'matches several' : 'matches no'} ${type} resources. ` +
      `Use a logical id, a construct path or a unique part of one. Candidates: ${listing}.`,
    );
  }

  /** The value of `{ Ref: logicalId }`. */
  public ref(logicalId: string): string {
    const pseudo = pseudoParameter(logicalId, this.stackName);
    if (pseudo !== undefined) {
      return pseudo;
    }
    const parameter = this.template.Parameters?.[logicalId];
    if (parameter) {
      return parameterValue(logicalId, parameter);
    }
    const output = this.customResourceOutputs.get(logicalId);
    if (output) {
      return output.physicalResourceId;
    }
    const resource = this.resource(logicalId);
    return refValue(logicalId, resource.Type, this.shallowNames(resource));
  }

  /** The value of `{ "Fn::GetAtt": [logicalId, attribute] }`. */
  public getAtt(logicalId: string, attribute: string): unknown {
    const tracked = this.attributes.get(`${logicalId}.${attribute}`);
    if (tracked !== undefined) {
      return tracked;
    }
    const output = this.customResourceOutputs.get(logicalId);
    if (output) {
      if (!(attribute in output.data)) {
        throw new Error(
          `rehearsal: Fn::GetAtt ${logicalId}.${attribute}: the custom resource returned no '${attribute}' ` +
          `in Data (it returned: ${Object.keys(output.data).join(', ') || 'nothing'}).`,
        );
      }
      return output.data[attribute];
    }
    const resource = this.resource(logicalId);
    return attributeValue(logicalId, resource.Type, attribute, this.shallowNames(resource));
  }

  /** Resolves every intrinsic function in `value` (deeply). */
  public resolve(value: unknown): unknown {
    const resolved = this.resolveValue(value);
    return resolved === NO_VALUE ? undefined : resolved;
  }

  /** Resolves a value that must become a string (a DefinitionString, an ARN...). */
  public resolveString(value: unknown, what: string): string {
    const resolved = this.resolve(value);
    if (typeof resolved !== 'string') {
      throw new Error(`rehearsal: ${what} did not resolve to a string (got ${JSON.stringify(resolved)}).`);
    }
    return resolved;
  }

  /** The resource's properties with intrinsics resolved. */
  public resolvedProperties(logicalId: string): Record<string, any> {
    return (this.resolve(this.resource(logicalId).Properties ?? {}) ?? {}) as Record<string, any>;
  }

  private shallowNames(resource: CfnResource): Record<string, unknown> {
    // Explicit names decide Ref values; only plain strings are used so resolution never recurses.
    const props = resource.Properties ?? {};
    const names: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(props)) {
      if (typeof value === 'string' && /Name$/.test(key)) {
        names[key] = value;
      }
    }
    return names;
  }

  private resolveValue(value: unknown): unknown {
    if (Array.isArray(value)) {
      return value.map((v) => this.resolveValue(v)).filter((v) => v !== NO_VALUE);
    }
    if (value === null || typeof value !== 'object') {
      return value;
    }
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [key, arg] = entries[0];
      const intrinsic = this.intrinsic(key, arg);
      if (intrinsic.handled) {
        return intrinsic.value;
      }
    }
    const out: Record<string, unknown> = {};
    for (const [key, v] of entries) {
      const resolved = this.resolveValue(v);
      if (resolved !== NO_VALUE) {
        out[key] = resolved;
      }
    }
    return out;
  }

  private intrinsic(name: string, arg: unknown): { handled: boolean; value?: unknown } {
    switch (name) {
      case 'Ref':
        if (arg === 'AWS::NoValue') {
          return { handled: true, value: NO_VALUE };
        }
        return { handled: true, value: this.ref(String(arg)) };
      case 'Fn::GetAtt': {
        const [logicalId, ...attribute] = Array.isArray(arg) ? arg as string[] : String(arg).split('.');
        return { handled: true, value: this.getAtt(logicalId, attribute.join('.')) };
      }
      case 'Fn::Join': {
        const [separator, parts] = arg as [string, unknown[]];
        const resolved = this.resolveValue(parts) as unknown[];
        return { handled: true, value: resolved.map((p) => String(p)).join(separator) };
      }
      case 'Fn::Sub':
        return { handled: true, value: this.substitute(arg) };
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        const items = this.resolveValue(list) as unknown[];
        return { handled: true, value: items[Number(this.resolveValue(index))] };
      }
      case 'Fn::Split': {
        const [separator, source] = arg as [string, unknown];
        return { handled: true, value: String(this.resolveValue(source)).split(separator) };
      }
      case 'Fn::GetAZs':
        return { handled: true, value: ['a', 'b', 'c'].map((z) => `${REHEARSAL_REGION}${z}`) };
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = arg as [string, unknown, unknown];
        return { handled: true, value: this.resolveValue(this.condition(condition) ? whenTrue : whenFalse) };
      }
      case 'Fn::FindInMap': {
        const [map, top, second] = (this.resolveValue(arg) as string[]);
        const found = this.template.Mappings?.[map]?.[top]?.[second];
        if (found === undefined) {
          throw new Error(`rehearsal: Fn::FindInMap ${map}.${top}.${second} is not in the template's Mappings.`);
        }
        return { handled: true, value: this.resolveValue(found) };
      }
      case 'Fn::Base64':
        return { handled: true, value: Buffer.from(String(this.resolveValue(arg))).toString('base64') };
      case 'Fn::ImportValue':
        throw new Error(
          `rehearsal: Fn::ImportValue ${JSON.stringify(arg)} reads another stack's output, which a rehearsal of one ` +
          'stack cannot know. Pass the value as a plain string in the rehearsed stack instead.',
        );
      case 'Fn::Equals':
      case 'Fn::And':
      case 'Fn::Or':
      case 'Fn::Not':
      case 'Condition':
        return { handled: true, value: this.evaluateCondition({ [name]: arg }) };
      default:
        if (name.startsWith('Fn::')) {
          throw new Error(`rehearsal: the intrinsic function ${name} is not supported yet (add it to lib/rehearsal/template.ts).`);
        }
        return { handled: false };
    }
  }

  private substitute(arg: unknown): string {
    const [text, variables] = typeof arg === 'string' ? [arg, {}] : arg as [string, Record<string, unknown>];
    return text.replace(/\$\{([^}]+)\}/g, (whole, expression: string) => {
      if (expression.startsWith('!')) {
        return whole.replace('${!', '${');
      }
      if (expression in variables) {
        return String(this.resolveValue(variables[expression]));
      }
      if (expression.includes('.') && !expression.startsWith('AWS::')) {
        const [logicalId, ...attribute] = expression.split('.');
        return String(this.getAtt(logicalId, attribute.join('.')));
      }
      return this.ref(expression);
    });
  }

  private condition(name: string): boolean {
    const definition = this.template.Conditions?.[name];
    if (definition === undefined) {
      throw new Error(`rehearsal: the template has no condition '${name}'.`);
    }
    return this.evaluateCondition(definition);
  }

  private evaluateCondition(definition: unknown): boolean {
    const [name, arg] = Object.entries(definition as Record<string, unknown>)[0];
    switch (name) {
      case 'Fn::Equals': {
        const [a, b] = (arg as unknown[]).map((v) => this.resolveValue(v));
        return JSON.stringify(a) === JSON.stringify(b);
      }
      case 'Fn::And':
        return (arg as unknown[]).every((c) => this.evaluateCondition(c));
      case 'Fn::Or':
        return (arg as unknown[]).some((c) => this.evaluateCondition(c));
      case 'Fn::Not':
        return !this.evaluateCondition((arg as unknown[])[0]);
      case 'Condition':
        return this.condition(String(arg));
      default:
        throw new Error(`rehearsal: ${name} cannot be used as a condition.`);
    }
  }
}

function pseudoParameter(name: string, stackName: string): string | undefined {
  switch (name) {
    case 'AWS::Region': return REHEARSAL_REGION;
    case 'AWS::AccountId': return REHEARSAL_ACCOUNT;
    case 'AWS::Partition': return REHEARSAL_PARTITION;
    case 'AWS::URLSuffix': return 'amazonaws.com';
    case 'AWS::StackName': return stackName;
    case 'AWS::StackId':
      return `arn:${REHEARSAL_PARTITION}:cloudformation:${REHEARSAL_REGION}:${REHEARSAL_ACCOUNT}:stack/${stackName}/${stableHex(stackName, 8)}`;
    case 'AWS::NotificationARNs': return '';
    default: return undefined;
  }
}

function parameterValue(name: string, parameter: { Type: string; Default?: unknown }): string {
  if (parameter.Type.includes('AWS::EC2::Image::Id')) {
    // SSM-backed "latest AMI" parameters: any AMI id will do, the model never boots it.
    return `ami-${stableHex(name, 17)}`;
  }
  if (parameter.Default !== undefined) {
    return String(parameter.Default);
  }
  throw new Error(`rehearsal: the template parameter '${name}' has no Default; the rehearsal has no value for it.`);
}
