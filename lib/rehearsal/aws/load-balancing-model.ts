// Application Load Balancers in memory: listeners, rules with weighted forward actions, target
// groups and tags, with the validation and errors ELBv2 applies to the calls handlers make.
import { deepCopy } from '../deep-copy';
import { stableHex } from '../fake-identifiers';
import type { FleetModel } from './fleet-model';
import { NotModelledError } from './service-errors';

export interface ForwardTarget {
  readonly targetGroupArn: string;
  readonly weight: number;
}

export interface RuleState {
  readonly arn: string;
  readonly listenerArn: string;
  priority: number | 'default';
  conditions: any[];
  actions: any[];
}

export interface ListenerState {
  readonly arn: string;
  readonly loadBalancerArn: string;
  readonly port: number;
  readonly protocol: string;
  readonly defaultRuleArn: string;
}

export interface TargetGroupState {
  readonly arn: string;
  readonly name: string;
  readonly port: number;
  readonly protocol: string;
  readonly attributes: Record<string, string>;
  readonly loadBalancerArns: string[];
}

/** An ELBv2 API error by its error code (mapped to the SDK's exception class in sdk-mocks.ts). */
export class LoadBalancingError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** Called after every change to a rule's actions, with who changed it. */
export type RuleChangeListener = (rule: RuleState, operation: string) => void;

export class LoadBalancingModel {
  private readonly loadBalancers = new Map<string, { arn: string; name: string; dnsName: string }>();
  private readonly listeners = new Map<string, ListenerState>();
  private readonly rules = new Map<string, RuleState>();
  private readonly targetGroups = new Map<string, TargetGroupState>();
  private readonly tags = new Map<string, Map<string, string>>();
  private readonly ruleChangeListeners: RuleChangeListener[] = [];
  private ruleCounter = 0;

  constructor(private readonly fleets: FleetModel) {}

  public onRuleChange(listener: RuleChangeListener): void {
    this.ruleChangeListeners.push(listener);
  }

  public addLoadBalancer(arn: string, name: string, dnsName: string): void {
    this.loadBalancers.set(arn, { arn, name, dnsName });
  }

  public addListener(listener: Omit<ListenerState, 'defaultRuleArn'>, defaultActions: any[]): void {
    const defaultRuleArn = `${listener.arn.replace(':listener/', ':listener-rule/')}/${stableHex(`default:${listener.arn}`)}`;
    this.listeners.set(listener.arn, { ...listener, defaultRuleArn });
    this.rules.set(defaultRuleArn, {
      arn: defaultRuleArn, listenerArn: listener.arn, priority: 'default', conditions: [],
      actions: this.normalizeActions(defaultActions),
    });
  }

  public addTargetGroup(targetGroup: TargetGroupState): void {
    this.targetGroups.set(targetGroup.arn, targetGroup);
  }

  /** Adds a rule the template declares (AWS::ElasticLoadBalancingV2::ListenerRule). */
  public addTemplateRule(arn: string, listenerArn: string, priority: number, conditions: any[], actions: any[]): void {
    this.requireListener(listenerArn);
    this.rules.set(arn, { arn, listenerArn, priority, conditions, actions: this.normalizeActions(actions) });
  }

  public rule(arn: string): RuleState | undefined {
    return this.rules.get(arn);
  }

  public allRules(): RuleState[] {
    return [...this.rules.values()];
  }

  public listener(arn: string): ListenerState | undefined {
    return this.listeners.get(arn);
  }

  public allListeners(): ListenerState[] {
    return [...this.listeners.values()];
  }

  public targetGroup(arn: string): TargetGroupState | undefined {
    return this.targetGroups.get(arn);
  }

  /** The load balancer answering on a host: its DNS name or one of its private addresses. */
  public loadBalancerByHost(host: string): { arn: string } | undefined {
    return [...this.loadBalancers.values()].find((lb) => lb.dnsName.toLowerCase() === host.toLowerCase()
      || this.privateAddresses(lb.arn).includes(host));
  }

  /** Two private addresses per load balancer (one network interface per subnet), deterministic. */
  public privateAddresses(loadBalancerArn: string): string[] {
    const seed = parseInt(stableHex(loadBalancerArn, 4), 16);
    return [0, 1].map((i) => `10.0.${i * 16 + (seed % 16)}.${(seed >> 4) % 250 + 4}`);
  }

  /** EC2 DescribeNetworkInterfaces for the load balancers' interfaces (description "ELB app/<name>/<id>"). */
  public describeNetworkInterfaces(input: any): any {
    const interfaces = [...this.loadBalancers.values()].flatMap((lb) => {
      const [name, id] = lb.arn.split(':loadbalancer/app/')[1].split('/');
      return this.privateAddresses(lb.arn).map((address, i) => ({
        NetworkInterfaceId: `eni-${stableHex(`${lb.arn}:${i}`, 17)}`,
        Description: `ELB app/${name}/${id}`,
        InterfaceType: 'interface',
        Status: 'in-use',
        PrivateIpAddress: address,
        PrivateIpAddresses: [{ PrivateIpAddress: address, Primary: true }],
        RequesterId: 'amazon-elb',
      }));
    });
    const matches = (value: string, patterns: string[]) => patterns.some((p) =>
      new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(value));
    const filtered = interfaces.filter((eni) => (input.Filters ?? []).every((f: any) => {
      switch (f.Name) {
        case 'description': return matches(eni.Description, f.Values ?? []);
        case 'interface-type': return matches(eni.InterfaceType, f.Values ?? []);
        case 'status': return matches(eni.Status, f.Values ?? []);
        case 'requester-id': return matches(eni.RequesterId, f.Values ?? []);
        case 'vpc-id':
        case 'subnet-id':
          return true; // The model has one network: every load balancer is in the VPC asked about.
        default:
          throw new NotModelledError('EC2', 'DescribeNetworkInterfaces', `filter ${f.Name}`);
      }
    }));
    return { NetworkInterfaces: filtered };
  }

  /** The target groups and weights a rule forwards to (empty when it does not forward). */
  public forwardTargets(rule: RuleState): ForwardTarget[] {
    const forward = rule.actions.find((a) => a.Type === 'forward');
    return (forward?.ForwardConfig?.TargetGroups ?? []).map((t: any) => ({ targetGroupArn: t.TargetGroupArn, weight: t.Weight ?? 1 }));
  }

  // ---- API operations (inputs and outputs in the SDK's shapes) ----

  public createRule(input: any): any {
    const listener = this.requireListener(input.ListenerArn);
    const priority = this.validPriority(input.Priority);
    if (this.rulesOf(listener.arn).some((r) => r.priority === priority)) {
      throw new LoadBalancingError('PriorityInUseException', `Priority '${priority}' is currently in use`);
    }
    const arn = `${listener.arn.replace(':listener/', ':listener-rule/')}/${stableHex(`rule:${listener.arn}:${++this.ruleCounter}`)}`;
    const rule: RuleState = {
      arn, listenerArn: listener.arn, priority,
      conditions: deepCopy(input.Conditions ?? []),
      actions: this.normalizeActions(input.Actions),
    };
    this.rules.set(arn, rule);
    if (input.Tags?.length) {
      this.addTags({ ResourceArns: [arn], Tags: input.Tags });
    }
    this.notify(rule, 'CreateRule');
    return { Rules: [this.describeRule(rule)] };
  }

  public modifyRule(input: any): any {
    const rule = this.requireRule(input.RuleArn);
    if (rule.priority === 'default' && input.Conditions) {
      throw new LoadBalancingError('OperationNotPermittedException', 'Conditions cannot be set on a default rule');
    }
    if (input.Actions) {
      rule.actions = this.normalizeActions(input.Actions);
    }
    if (input.Conditions) {
      rule.conditions = deepCopy(input.Conditions);
    }
    if (input.Actions) {
      this.notify(rule, 'ModifyRule');
    }
    return { Rules: [this.describeRule(rule)] };
  }

  public deleteRule(input: any): any {
    const rule = this.requireRule(input.RuleArn);
    if (rule.priority === 'default') {
      throw new LoadBalancingError('OperationNotPermittedException', 'A default rule cannot be deleted');
    }
    this.rules.delete(rule.arn);
    this.tags.delete(rule.arn);
    return {};
  }

  public setRulePriorities(input: any): any {
    const changes: Array<{ rule: RuleState; priority: number }> = (input.RulePriorities ?? []).map((p: any) => ({
      rule: this.requireRule(p.RuleArn), priority: this.validPriority(p.Priority),
    }));
    for (const { rule, priority } of changes) {
      const clash = this.rulesOf(rule.listenerArn).find((r) => r.priority === priority && !changes.some((c) => c.rule === r));
      if (clash) {
        throw new LoadBalancingError('PriorityInUseException', `Priority '${priority}' is currently in use`);
      }
    }
    for (const { rule, priority } of changes) {
      rule.priority = priority;
    }
    return { Rules: changes.map((c) => this.describeRule(c.rule)) };
  }

  public describeRules(input: any): any {
    let rules: RuleState[];
    if (input.RuleArns?.length) {
      rules = input.RuleArns.map((arn: string) => this.requireRule(arn));
    } else if (input.ListenerArn) {
      this.requireListener(input.ListenerArn);
      rules = this.rulesOf(input.ListenerArn);
    } else {
      throw new LoadBalancingError('ValidationError', 'DescribeRules needs ListenerArn or RuleArns');
    }
    return { Rules: rules.map((r) => this.describeRule(r)) };
  }

  public modifyListener(input: any): any {
    const listener = this.requireListener(input.ListenerArn);
    const defaultRule = this.requireRule(listener.defaultRuleArn);
    if (input.DefaultActions) {
      defaultRule.actions = this.normalizeActions(input.DefaultActions);
      this.notify(defaultRule, 'ModifyListener');
    }
    return { Listeners: [this.describeListener(listener)] };
  }

  public describeListeners(input: any): any {
    let listeners: ListenerState[];
    if (input.ListenerArns?.length) {
      listeners = input.ListenerArns.map((arn: string) => this.requireListener(arn));
    } else if (input.LoadBalancerArn) {
      listeners = [...this.listeners.values()].filter((l) => l.loadBalancerArn === input.LoadBalancerArn);
    } else {
      throw new LoadBalancingError('ValidationError', 'DescribeListeners needs LoadBalancerArn or ListenerArns');
    }
    return { Listeners: listeners.map((l) => this.describeListener(l)) };
  }

  public describeLoadBalancers(input: any): any {
    let lbs = [...this.loadBalancers.values()];
    if (input.LoadBalancerArns?.length) {
      lbs = input.LoadBalancerArns.map((arn: string) => {
        const lb = this.loadBalancers.get(arn);
        if (!lb) throw new LoadBalancingError('LoadBalancerNotFoundException', `Load balancer '${arn}' not found`);
        return lb;
      });
    }
    return {
      LoadBalancers: lbs.map((lb) => ({
        LoadBalancerArn: lb.arn, LoadBalancerName: lb.name, DNSName: lb.dnsName, Type: 'application',
        Scheme: 'internet-facing', State: { Code: 'active' },
      })),
    };
  }

  public describeTargetGroups(input: any): any {
    let groups = [...this.targetGroups.values()];
    if (input.TargetGroupArns?.length) {
      groups = input.TargetGroupArns.map((arn: string) => this.requireTargetGroup(arn));
    } else if (input.Names?.length) {
      groups = groups.filter((g) => input.Names.includes(g.name));
    } else if (input.LoadBalancerArn) {
      groups = groups.filter((g) => g.loadBalancerArns.includes(input.LoadBalancerArn));
    }
    return {
      TargetGroups: groups.map((g) => ({
        TargetGroupArn: g.arn, TargetGroupName: g.name, Port: g.port, Protocol: g.protocol,
        TargetType: 'instance', LoadBalancerArns: [...g.loadBalancerArns],
      })),
    };
  }

  public describeTargetGroupAttributes(input: any): any {
    const group = this.requireTargetGroup(input.TargetGroupArn);
    const attributes = { 'stickiness.enabled': 'false', 'deregistration_delay.timeout_seconds': '300', ...group.attributes };
    return { Attributes: Object.entries(attributes).map(([Key, Value]) => ({ Key, Value })) };
  }

  public describeTargetHealth(input: any): any {
    const group = this.requireTargetGroup(input.TargetGroupArn);
    const { registered, healthy } = this.fleets.targetHealth(group.arn);
    const descriptions = [];
    for (let i = 0; i < registered; i++) {
      const id = `i-${stableHex(`${group.arn}:${i}`, 17)}`;
      descriptions.push({
        Target: { Id: id, Port: group.port },
        HealthCheckPort: String(group.port),
        TargetHealth: i < healthy
          ? { State: 'healthy' }
          : { State: 'unhealthy', Reason: 'Target.FailedHealthChecks', Description: 'Health checks failed' },
      });
    }
    return { TargetHealthDescriptions: descriptions };
  }

  public addTags(input: any): any {
    for (const arn of input.ResourceArns ?? []) {
      this.requireTaggable(arn);
      const tags = this.tags.get(arn) ?? new Map<string, string>();
      for (const tag of input.Tags ?? []) {
        tags.set(tag.Key, tag.Value ?? '');
      }
      this.tags.set(arn, tags);
    }
    return {};
  }

  public removeTags(input: any): any {
    for (const arn of input.ResourceArns ?? []) {
      this.requireTaggable(arn);
      for (const key of input.TagKeys ?? []) {
        this.tags.get(arn)?.delete(key);
      }
    }
    return {};
  }

  public describeTags(input: any): any {
    const arns: string[] = input.ResourceArns ?? [];
    if (arns.length > 20) {
      throw new LoadBalancingError('ValidationError', 'DescribeTags accepts at most 20 resource ARNs');
    }
    return {
      TagDescriptions: arns.map((arn) => {
        this.requireTaggable(arn);
        return { ResourceArn: arn, Tags: [...(this.tags.get(arn) ?? new Map()).entries()].map(([Key, Value]) => ({ Key, Value })) };
      }),
    };
  }

  // ---- internals ----

  private notify(rule: RuleState, operation: string): void {
    for (const listener of this.ruleChangeListeners) {
      listener(rule, operation);
    }
  }

  private rulesOf(listenerArn: string): RuleState[] {
    const rules = [...this.rules.values()].filter((r) => r.listenerArn === listenerArn);
    return rules.sort((a, b) => (a.priority === 'default' ? 1 : b.priority === 'default' ? -1 : a.priority - b.priority));
  }

  private validPriority(value: unknown): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 50000) {
      throw new LoadBalancingError('ValidationError', `Priority must be an integer from 1 to 50000 (got ${JSON.stringify(value)})`);
    }
    return value;
  }

  /** Stores actions the way ELBv2 returns them: a forward always has a ForwardConfig. */
  private normalizeActions(actions: any[] | undefined): any[] {
    if (!actions?.length) {
      throw new LoadBalancingError('ValidationError', 'At least one action is required');
    }
    return actions.map((action, index) => {
      const copy = deepCopy(action);
      copy.Order ??= index + 1;
      if (copy.Type !== 'forward') {
        return copy;
      }
      let groups: Array<{ TargetGroupArn: string; Weight?: number }> = copy.ForwardConfig?.TargetGroups ?? [];
      if (copy.TargetGroupArn && groups.length === 0) {
        groups = [{ TargetGroupArn: copy.TargetGroupArn, Weight: 1 }];
      }
      if (groups.length === 0 || groups.length > 5) {
        throw new LoadBalancingError('ValidationError', 'A forward action needs 1 to 5 target groups');
      }
      for (const group of groups) {
        this.requireTargetGroup(group.TargetGroupArn);
        const weight = group.Weight ?? 1;
        if (!Number.isInteger(weight) || weight < 0 || weight > 999) {
          throw new LoadBalancingError('ValidationError', `Target group weight must be an integer from 0 to 999 (got ${weight})`);
        }
      }
      return {
        ...copy,
        ...(groups.length === 1 ? { TargetGroupArn: groups[0].TargetGroupArn } : {}),
        ForwardConfig: {
          TargetGroups: groups.map((g) => ({ TargetGroupArn: g.TargetGroupArn, Weight: g.Weight ?? 1 })),
          TargetGroupStickinessConfig: copy.ForwardConfig?.TargetGroupStickinessConfig ?? { Enabled: false },
        },
      };
    });
  }

  private describeRule(rule: RuleState): any {
    return {
      RuleArn: rule.arn,
      Priority: String(rule.priority),
      Conditions: deepCopy(rule.conditions),
      Actions: deepCopy(rule.actions),
      IsDefault: rule.priority === 'default',
    };
  }

  private describeListener(listener: ListenerState): any {
    return {
      ListenerArn: listener.arn, LoadBalancerArn: listener.loadBalancerArn, Port: listener.port, Protocol: listener.protocol,
      DefaultActions: deepCopy(this.requireRule(listener.defaultRuleArn).actions),
    };
  }

  private requireRule(arn: string): RuleState {
    const rule = this.rules.get(arn);
    if (!rule) {
      throw new LoadBalancingError('RuleNotFoundException', `One or more rules not found (${arn})`);
    }
    return rule;
  }

  private requireListener(arn: string): ListenerState {
    const listener = this.listeners.get(arn);
    if (!listener) {
      throw new LoadBalancingError('ListenerNotFoundException', `One or more listeners not found (${arn})`);
    }
    return listener;
  }

  private requireTargetGroup(arn: string): TargetGroupState {
    const group = this.targetGroups.get(arn);
    if (!group) {
      throw new LoadBalancingError('TargetGroupNotFoundException', `One or more target groups not found (${arn})`);
    }
    return group;
  }

  private requireTaggable(arn: string): void {
    if (this.rules.has(arn)) return;
    if (this.listeners.has(arn)) return;
    if (this.targetGroups.has(arn)) return;
    if (this.loadBalancers.has(arn)) return;
    if (arn.includes(':listener-rule/')) throw new LoadBalancingError('RuleNotFoundException', `One or more rules not found (${arn})`);
    if (arn.includes(':listener/')) throw new LoadBalancingError('ListenerNotFoundException', `One or more listeners not found (${arn})`);
    if (arn.includes(':targetgroup/')) throw new LoadBalancingError('TargetGroupNotFoundException', `One or more target groups not found (${arn})`);
    throw new LoadBalancingError('LoadBalancerNotFoundException', `One or more load balancers not found (${arn})`);
  }
}
