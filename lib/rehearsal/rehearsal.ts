// The rehearsed world: one synthesized stack, its resources in the in-memory AWS model, its
// Lambda handlers running in-process, executions of its state machines on a virtual clock, and the
// scenario that scripts what happens meanwhile. `rehearse()` (index.ts) is the one-call entry point.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Stack } from 'aws-cdk-lib';
import { AlarmModel, type AlarmState } from './aws/alarm-model';
import { ConditionalCheckFailed, DynamoDbModel, TableNotFound } from './aws/dynamodb-model';
import { ValidationError } from './aws/dynamodb-expressions';
import { EventBusModel } from './aws/event-bus-model';
import { FleetModel } from './aws/fleet-model';
import { LoadBalancingError, LoadBalancingModel, type RuleState } from './aws/load-balancing-model';
import { type ServiceName, installSdkMocks, sdkError, throttlingError } from './aws/sdk-mocks';
import { NotModelledError } from './aws/service-errors';
import { type ExecutionRecord, startExecution } from './execution';
import { describeExecution, listExecutions } from './aws/step-functions-api';
import { LoadBalancerHttp } from './aws/load-balancer-http';
import { arnPrefix, stableHex } from './fake-identifiers';
import { type FunctionDefinition, LambdaFunctionError, LambdaRuntime, type LogLine } from './lambda-runtime';
import { type CallFault, type Color, type HandlerFault, type HttpScript, type ScenarioStep, type ScenarioWorld, type ScriptedFunction, parseDuration } from './scenario';
import { type CustomResourceProvider, deploymentOrder, findProvider } from './custom-resources';
import { addAlarms, addLoadBalancing, addTables, autoScalingGroupOf, functionOf, trackLaunchTemplateVersions } from './model-from-template';
import { type StackSource, sourceFromAssembly, sourceFromStack, sourceFromTemplate } from './stack-source';
import { type CfnTemplate, RehearsalTemplate } from './template';
import { VirtualClock } from './virtual-clock';

export const COLORS: readonly Color[] = ['BLUE', 'GREEN'];

export interface RehearsalOptions {
  /** Which service to rehearse when the stack has several: its ServiceName or a part of its construct path. */
  readonly service?: string;
  /**
   * The two target groups (logical id or construct path) when the stack has no
   * Custom::BlueGreenTraffic resource to read them from.
   */
  readonly colors?: Partial<Record<Color, string>>;
  /** The listener whose weighted rule carries user traffic, when there is no Custom::BlueGreenTraffic. */
  readonly listener?: string;
  /** The rollout state machine (logical id or construct path) when the stack has several. */
  readonly stateMachine?: string;
  /**
   * Healthy targets a color must have before it may get traffic (invariant 1).
   * @default - the desired capacity of the color's Auto Scaling groups, at least 1
   */
  readonly requiredHealthyTargets?: number;
  /** Custom resources to run besides the library's own (logical ids or construct paths). */
  readonly customResources?: readonly string[];
  /** Stop a runaway rehearsal after this much virtual time. @default 48 hours */
  readonly maxVirtualSeconds?: number;
  /** The scenario: timed events and injected faults. */
  readonly scenario?: readonly ScenarioStep[];
}

export interface TimelineEntry {
  /** Virtual seconds since the rehearsal started. */
  readonly t: number;
  /** Percent of user traffic per color after this entry. */
  readonly blueWeight: number;
  readonly greenWeight: number;
  readonly event: string;
}

export interface ApiCall {
  readonly t: number;
  readonly service: ServiceName;
  readonly operation: string;
  readonly caller?: string;
  /** The resource the call names (rule, listener, target group, table, alarm, execution...), when it names one. */
  readonly resource?: string;
  readonly error?: string;
}

export interface Invocation {
  readonly t: number;
  readonly functionLogicalId: string;
  readonly memoryMb: number;
  readonly caller: string;
  readonly action?: string;
  /** Virtual seconds the handler took (its own sleeps); API calls take no virtual time. */
  virtualSeconds: number;
  error?: string;
}

export interface CustomResourceResult {
  readonly logicalId: string;
  readonly requestType: 'Create' | 'Update' | 'Delete';
  readonly status: 'SUCCESS' | 'FAILED';
  readonly reason?: string;
  readonly physicalResourceId: string;
  readonly data: Record<string, unknown>;
  /** isComplete calls made (0 when the provider has no isComplete). */
  readonly polls: number;
}

export interface DeployOptions {
  /**
   * A resource of the new template (logical id or a unique part of its construct path) that fails
   * when CloudFormation reaches it, e.g. a custom resource of your own that the rehearsal does not
   * run: what the stack's rollback does after a later resource fails.
   * @default - nothing fails but what the rehearsed custom resources report
   */
  readonly failResource?: string;
  /** The failed resource's status reason. @default 'Resource failed (scripted by the rehearsal)' */
  readonly failReason?: string;
}

/** The outcome of a rehearsed `cdk deploy` (a stack update). */
export interface DeployResult {
  readonly status: 'UPDATE_COMPLETE' | 'UPDATE_ROLLBACK_COMPLETE' | 'UPDATE_ROLLBACK_FAILED';
  /** The custom resource that failed the update, and why (CloudFormation's status reason). */
  readonly failedResource?: string;
  readonly reason?: string;
  /** Every custom resource call of this deploy, rollback included, in order. */
  readonly customResources: CustomResourceResult[];
  /** Executions started during this deploy (the release's rollout). */
  readonly executions: ExecutionRecord[];
  /** Virtual seconds the deploy took. */
  readonly durationSeconds: number;
}

/** The service under rehearsal: its two target groups and the listener carrying user traffic. */
interface ServiceBinding {
  readonly name: string;
  readonly targetGroups: Record<Color, string>;
  readonly listenerArn?: string;
}

/** The SDK mocks are global to the client classes: one open rehearsal per process. */
const openRehearsal: { current?: Rehearsal } = {};

export class Rehearsal implements ScenarioWorld {
  public static fromStack(stack: Stack, options: RehearsalOptions = {}): Rehearsal {
    return new Rehearsal(sourceFromStack(stack), options);
  }

  public static fromAssembly(directory: string, stackName: string, options: RehearsalOptions = {}): Rehearsal {
    return new Rehearsal(sourceFromAssembly(directory, stackName), options);
  }

  public static fromTemplate(
    template: CfnTemplate,
    options: RehearsalOptions & { readonly stackName?: string; readonly assetDirectories?: ReadonlyMap<string, string> } = {},
  ): Rehearsal {
    return new Rehearsal(sourceFromTemplate(template, options), options);
  }

  public readonly clock: VirtualClock;
  /** The template currently deployed (changes with deploy()). */
  public template: RehearsalTemplate;
  public readonly fleets = new FleetModel();
  public readonly loadBalancing = new LoadBalancingModel(this.fleets);
  public readonly alarms = new AlarmModel();
  /** Events put on EventBridge (the rollout's announcements), with their virtual time. */
  public readonly eventBus = new EventBusModel();
  public readonly dynamodb = new DynamoDbModel();
  public readonly executions: ExecutionRecord[] = [];
  public readonly timeline: TimelineEntry[] = [];
  public readonly invariantViolations: string[] = [];
  public readonly logs: LogLine[] = [];
  public readonly calls: ApiCall[] = [];
  public readonly invocations: Invocation[] = [];
  public readonly customResourceResults: CustomResourceResult[] = [];
  /** Calls the model could not answer: a rehearsal with any of these proves nothing. */
  public readonly modelGaps: string[] = [];
  public readonly recordedMetrics: Array<{ t: number; namespace: string; data: unknown }> = [];

  private readonly functions = new Map<string, FunctionDefinition>();
  /** Each launch template's data and version number: a deploy that changes the data makes a new version. */
  private readonly launchTemplateVersions = new Map<string, { data: string; version: number }>();
  private readonly runtime: LambdaRuntime;
  /** HTTP requests from handler code (smoke tests) to the in-memory load balancer. */
  private readonly http = new LoadBalancerHttp(this.loadBalancing, this.fleets, (targetGroupArn) => {
    const color = this.binding ? COLORS.find((c) => this.binding!.targetGroups[c] === targetGroupArn) : undefined;
    const script = [...this.scenario].reverse().find((s): s is HttpScript => s.kind === 'http' && s.color === color);
    return script ? { status: script.status, body: script.body } : undefined;
  });
  private readonly caller = new AsyncLocalStorage<string>();
  private readonly faultCounts = new Map<object, number>();
  private binding?: ServiceBinding;
  private stateMachineArn?: string;
  private restoreMocks?: () => void;
  private closed = false;
  private executionCounter = 0;
  private lastWeights: Record<Color, number> = { BLUE: 0, GREEN: 0 };

  constructor(private source: StackSource, private readonly options: RehearsalOptions = {}) {
    this.template = new RehearsalTemplate(source.template, { stackName: source.stackName, constructPaths: source.constructPaths });
    this.clock = new VirtualClock({ maxVirtualSeconds: options.maxVirtualSeconds });
    this.runtime = new LambdaRuntime({
      clock: this.clock,
      fetch: (input, init) => this.http.fetch(input, init),
      http: () => this.http.nodeHttpModule(),
      log: (line) => this.logs.push(line),
    });
  }

  /** The scenario steps of this rehearsal. */
  private get scenario(): readonly ScenarioStep[] {
    return this.options.scenario ?? [];
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Installs the virtual clock and the SDK mocks, builds the model from the template, schedules
   * the scenario's events and runs the library's custom resources (Create), as a first deploy would.
   */
  public async open(): Promise<void> {
    if (openRehearsal.current) {
      throw new Error('rehearsal: another rehearsal is still open in this process (the SDK mocks are global). Close it first: await rehearsal.close().');
    }
    openRehearsal.current = this;
    this.clock.install();
    this.restoreMocks = installSdkMocks((service, operation, input) => this.dispatch(service, operation, input));
    try {
      this.buildModel();
      this.bindService();
      for (const step of this.scenario) {
        if (step.kind !== 'event') continue;
        const happen = () => {
          step.event.apply(this);
          this.note(step.event.description);
        };
        // Events at 0 are the world as it is before anything runs (e.g. GREEN has no healthy targets).
        if (step.atSeconds <= 0) happen(); else this.clock.at(step.atSeconds, happen);
      }
      for (const logicalId of this.customResourcesToRun()) {
        const result = await this.runCustomResource(logicalId, 'Create');
        if (result.status === 'FAILED') {
          throw new Error(`rehearsal: creating ${this.template.describe(logicalId)} failed, so there is nothing to rehearse: ${result.reason}`);
        }
      }
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** Removes the SDK mocks and the fake Date. Safe to call twice. */
  public close(): void {
    this.closed = true;
    this.restoreMocks?.();
    this.restoreMocks = undefined;
    this.clock.uninstall();
    if (openRehearsal.current === this) {
      openRehearsal.current = undefined;
    }
  }

  // ------------------------------------------------------------------ executions

  /** The rollout state machine's ARN (see RehearsalOptions.stateMachine). */
  public get rolloutStateMachineArn(): string {
    if (!this.stateMachineArn) {
      const machines = this.template.resourcesOfType('AWS::StepFunctions::StateMachine').map((r) => this.template.describe(r.logicalId));
      throw new Error(
        `rehearsal: cannot tell which state machine is the rollout (open() first; the stack has: ${machines.join(', ') || 'none'}). ` +
        'Pass the stateMachine option (logical id or construct path), or the service option when the stack has several services.',
      );
    }
    return this.stateMachineArn;
  }

  /** Starts an execution of a state machine of the stack; it runs on the virtual clock. */
  public startExecution(stateMachineArn: string, input: unknown, name?: string): ExecutionRecord {
    const logicalId = this.template.resourcesOfType('AWS::StepFunctions::StateMachine')
      .map((r) => r.logicalId)
      .find((id) => this.template.ref(id) === stateMachineArn);
    if (!logicalId) {
      throw sdkError('SFN', 'StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    }
    const executionName = name ?? `rehearsal-${++this.executionCounter}`;
    if (this.executions.some((e) => e.stateMachineArn === stateMachineArn && e.name === executionName)) {
      throw sdkError('SFN', 'ExecutionAlreadyExists', `Execution Already Exists: '${executionName}'`);
    }
    const props = this.template.resolvedProperties(logicalId);
    const definitionText = props.DefinitionString ?? (props.Definition ? JSON.stringify(props.Definition) : undefined);
    if (typeof definitionText !== 'string') {
      throw new Error(`rehearsal: ${this.template.describe(logicalId)} has no DefinitionString (DefinitionS3Location is not supported).`);
    }
    const substituted = Object.entries<string>(props.DefinitionSubstitutions ?? {})
      .reduce((text, [key, value]) => text.split(`\${${key}}`).join(String(value)), definitionText);
    const record = startExecution({
      stateMachineArn,
      definition: JSON.parse(substituted),
      input,
      name: executionName,
      roleArn: typeof props.RoleArn === 'string' ? props.RoleArn : undefined,
      clock: this.clock,
      invokeTask: (execution, stateName, task, taskInput) => this.invokeTask(execution, stateName, task, taskInput),
    });
    this.executions.push(record);
    this.note(`execution ${executionName} started (${JSON.stringify(input)})`);
    void record.done.then(() => this.note(
      `execution ${executionName} ${record.status}${record.error ? `: ${record.error}` : ''}`,
    ));
    return record;
  }

  /** Runs one rollout of the service to its end and returns its record. */
  public async rollout(input: unknown, name?: string): Promise<ExecutionRecord> {
    const record = this.startExecution(this.rolloutStateMachineArn, input, name);
    await record.done;
    if (this.clock.stopped) {
      throw this.clock.stopped;
    }
    return record;
  }

  /** Lets `duration` of virtual time pass (scenario events in it happen). */
  public async wait(duration: number | string): Promise<void> {
    await this.clock.runProcess(() => this.clock.sleep(parseDuration(duration)));
  }

  /**
   * Rehearses `cdk deploy` of a new version of the stack, as CloudFormation runs a stack update:
   * fleets take their new configuration, then every custom resource whose properties changed is
   * updated in dependency order (new ones created), the release resource's rollout included. If
   * one fails, the update rolls back: the resources updated so far get their old properties again.
   * A custom resource whose Update answered with a new physical id was replaced, as CloudFormation
   * sees it: its old id is deleted in the clean-up phase of a completed update; a rollback sends it
   * no Update (the old resource is kept) and deletes the new id after everything was reverted.
   */
  public async deploy(next: Stack | StackSource, options: DeployOptions = {}): Promise<DeployResult> {
    const nextSource = 'template' in next && !('node' in next) ? next as StackSource : sourceFromStack(next as Stack);
    const previous = { source: this.source, template: this.template };
    const nextTemplate = new RehearsalTemplate(nextSource.template, { stackName: nextSource.stackName, constructPaths: nextSource.constructPaths });
    for (const logicalId of Object.keys(nextSource.template.Resources)) {
      const output = previous.template.customResourceOutput(logicalId);
      if (output) nextTemplate.recordCustomResourceOutput(logicalId, output);
    }
    const startedAt = this.clock.now();
    const versionsBefore = new Map(this.launchTemplateVersions);
    const firstResult = this.customResourceResults.length;
    const firstExecution = this.executions.length;
    this.note('cdk deploy: stack update begins');
    this.source = nextSource;
    this.template = nextTemplate;
    this.syncWithTemplate({ fleets: false });
    const runnable = new Set(this.customResourcesToRun());
    const failing = options.failResource !== undefined ? this.findResource(options.failResource) : undefined;
    // What this update changed, in order: the rollback reverts it in reverse order.
    const updated: string[] = [];
    const replaced = new Set<string>();
    let failure: Pick<CustomResourceResult, 'logicalId' | 'reason'> | undefined;
    // CloudFormation's order: a resource after everything it depends on. So a guard that the
    // fleets depend on runs before they change, and the release after both fleets are updated.
    for (const logicalId of this.deploymentOrder()) {
      if (logicalId === failing) {
        failure = { logicalId, reason: options.failReason ?? 'Resource failed (scripted by the rehearsal)' };
        this.note(`${this.template.describe(logicalId)}: FAILED (${failure.reason})`);
        break;
      }
      if (this.template.resource(logicalId).Type === 'AWS::AutoScaling::AutoScalingGroup') {
        if (previous.template.template.Resources[logicalId]) updated.push(logicalId);
        this.syncFleet(logicalId);
        continue;
      }
      if (!runnable.has(logicalId)) {
        continue;
      }
      let result: CustomResourceResult;
      if (!previous.template.template.Resources[logicalId]) {
        result = await this.runCustomResource(logicalId, 'Create');
      } else {
        const oldProperties = previous.template.resolvedProperties(logicalId);
        if (JSON.stringify(oldProperties) === JSON.stringify(nextTemplate.resolvedProperties(logicalId))) {
          continue; // Unchanged properties: CloudFormation does not call the resource.
        }
        updated.push(logicalId);
        result = await this.runCustomResource(logicalId, 'Update', oldProperties);
        // CloudFormation takes an Update that answers with another physical id for a replacement:
        // the old resource is deleted when the update completes, or kept when it rolls back.
        const oldId = previous.template.customResourceOutput(logicalId)?.physicalResourceId;
        if (result.status === 'SUCCESS' && oldId !== undefined && result.physicalResourceId !== oldId) {
          replaced.add(logicalId);
          this.note(`${nextTemplate.describe(logicalId)}: replaced (physical id ${oldId} -> ${result.physicalResourceId})`);
        }
      }
      if (result.status === 'FAILED') {
        failure = result;
        break;
      }
    }
    const report = (status: DeployResult['status']): DeployResult => ({
      status,
      failedResource: failure ? nextTemplate.describe(failure.logicalId) : undefined,
      reason: failure?.reason,
      customResources: this.customResourceResults.slice(firstResult),
      executions: this.executions.slice(firstExecution),
      durationSeconds: (this.clock.now() - startedAt) / 1000,
    });
    if (!failure) {
      // Clean-up phase: custom resources the new template no longer has are deleted, and so are the
      // old physical resources of replaced ones (with their old properties).
      this.note('cdk deploy: UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
      const removed = Object.keys(previous.template.template.Resources).filter((id) => !nextTemplate.template.Resources[id]);
      for (const logicalId of [...removed.reverse(), ...[...replaced].reverse()]) {
        if (previous.template.customResourceOutput(logicalId)) {
          await this.runCustomResourceIn(previous, logicalId, 'Delete');
        }
      }
      this.note('cdk deploy: UPDATE_COMPLETE');
      return report('UPDATE_COMPLETE');
    }
    this.note(`cdk deploy: ${this.template.describe(failure.logicalId)} failed, UPDATE_ROLLBACK_IN_PROGRESS`);
    this.source = previous.source;
    this.template = previous.template;
    // The previous launch template versions are still there: the rollback points back at them.
    this.launchTemplateVersions.clear();
    versionsBefore.forEach((value, key) => this.launchTemplateVersions.set(key, value));
    this.syncWithTemplate({ fleets: false });
    // Reverse dependency order: a resource is reverted before the ones it depends on, so the release
    // before the fleets, and the fleets before a guard they depend on. A failed revert stops the
    // rollback there (UPDATE_ROLLBACK_FAILED): what it depends on keeps the new configuration.
    // A replaced custom resource gets no Update: CloudFormation goes back to the old physical resource
    // (still there, with its old id) and deletes the new one in the clean-up phase, after every revert.
    let rollbackFailed = false;
    for (const logicalId of updated.reverse()) {
      if (this.template.resource(logicalId).Type === 'AWS::AutoScaling::AutoScalingGroup') {
        this.syncFleet(logicalId);
        continue;
      }
      if (replaced.has(logicalId)) {
        this.note(`${this.template.describe(logicalId)}: back to its previous physical resource (replaced, no rollback update)`);
        continue;
      }
      const result = await this.runCustomResource(logicalId, 'Update', nextTemplate.resolvedProperties(logicalId));
      if (result.status === 'FAILED') {
        rollbackFailed = true;
        break;
      }
    }
    if (!rollbackFailed && replaced.size > 0) {
      this.note('cdk deploy: UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
      for (const logicalId of [...replaced].reverse()) {
        await this.runCustomResourceIn({ source: nextSource, template: nextTemplate }, logicalId, 'Delete');
      }
    }
    const status = rollbackFailed ? 'UPDATE_ROLLBACK_FAILED' : 'UPDATE_ROLLBACK_COMPLETE';
    this.note(`cdk deploy: ${status}`);
    return report(status);
  }

  // ------------------------------------------------------------------ scenario world

  public setAlarmState(name: string, state: AlarmState, reason: string): void {
    const alarmName = this.alarms.find(name) ? name : this.template.ref(this.template.findResource(
      this.template.resourcesOfType('AWS::CloudWatch::CompositeAlarm').some((r) => (this.template.constructPaths.get(r.logicalId) ?? r.logicalId).includes(name))
        ? 'AWS::CloudWatch::CompositeAlarm' : 'AWS::CloudWatch::Alarm',
      name,
    ));
    this.alarms.setState(alarmName, state, reason, new Date(this.clock.now()));
  }

  public setHealthyTargets(color: Color, healthy: number | undefined): void {
    this.fleets.setHealthyTargets(this.requireBinding().targetGroups[color], healthy);
  }

  public setTraffic(weights: Partial<Record<Color, number>>, who: string): void {
    const rule = this.serviceRules()[0];
    if (!rule) {
      throw new Error('rehearsal: the service has no weighted rule yet to change.');
    }
    const targetGroups = this.requireBinding().targetGroups;
    this.caller.run(who, () => this.loadBalancing.modifyRule({
      RuleArn: rule.arn,
      Actions: [{
        Type: 'forward',
        ForwardConfig: { TargetGroups: COLORS.map((c) => ({ TargetGroupArn: targetGroups[c], Weight: weights[c] ?? 0 })) },
      }],
    }));
  }

  public stopRollout(name: string | undefined, who: string): void {
    const running = this.executions.filter((e) => e.status === 'RUNNING' && (name === undefined || e.name === name));
    if (running.length === 0) {
      throw new Error(`rehearsal: no running execution${name ? ` named '${name}'` : ''} to stop.`);
    }
    running[0].stop('Rehearsal.Stopped', `stopped by ${who}`);
  }

  public startRollout(input: unknown, name?: string): void {
    this.startExecution(this.rolloutStateMachineArn, input, name);
  }

  public note(event: string): void {
    this.timeline.push({ t: this.clock.elapsedSeconds(), blueWeight: this.lastWeights.BLUE, greenWeight: this.lastWeights.GREEN, event });
  }

  /** Current percent of user traffic per color on the service's weighted rule. */
  public weights(): Record<Color, number> {
    return { ...this.lastWeights };
  }

  /** The service's target group ARN for a color. */
  public targetGroupArn(color: Color): string {
    return this.requireBinding().targetGroups[color];
  }

  // ------------------------------------------------------------------ the model

  private buildModel(): void {
    this.syncWithTemplate();
    addLoadBalancing(this.template, this.loadBalancing);
    this.loadBalancing.onRuleChange((rule, operation) => this.recordRuleChange(rule, operation));
  }

  /**
   * Brings functions, fleets, alarms and tables in line with the current template (first build,
   * and every deploy): what a stack update changes besides the custom resources.
   */
  private syncWithTemplate(options: { readonly fleets?: boolean } = {}): void {
    const t = this.template;
    trackLaunchTemplateVersions(t, this.launchTemplateVersions);
    this.functions.clear();
    this.runtime.reset();
    for (const { logicalId } of t.resourcesOfType('AWS::Lambda::Function')) {
      this.functions.set(logicalId, functionOf(t, logicalId, this.source.codeDirectories.get(logicalId)));
    }
    if (options.fleets ?? true) {
      for (const { logicalId } of t.resourcesOfType('AWS::AutoScaling::AutoScalingGroup')) {
        this.syncFleet(logicalId);
      }
    }
    addAlarms(t, this.alarms, new Date(this.clock.now()));
    addTables(t, this.dynamodb);
  }

  /** An Auto Scaling group takes the template's configuration (CloudFormation updated it). */
  private syncFleet(logicalId: string): void {
    const group = autoScalingGroupOf(this.template, logicalId);
    const existing = this.fleets.group(group.name);
    if (!existing) {
      this.fleets.addGroup(group);
    } else if (existing.launchTemplateVersion !== group.launchTemplateVersion || existing.desiredCapacity !== group.desiredCapacity) {
      Object.assign(existing, { ...group, targetGroupArns: existing.targetGroupArns });
      this.note(`${this.template.describe(logicalId)} updated (launch configuration ${group.launchTemplateVersion}, desired ${group.desiredCapacity})`);
    }
  }

  private functionByReference(reference: string): FunctionDefinition | undefined {
    const withoutQualifier = reference.startsWith('arn:') ? reference.split(':').slice(0, 7).join(':') : reference.split(':')[0];
    for (const fn of this.functions.values()) {
      if (fn.functionArn === withoutQualifier || fn.functionName === withoutQualifier || fn.logicalId === withoutQualifier) {
        return fn;
      }
    }
    return undefined;
  }

  private bindService(): void {
    const t = this.template;
    const traffic = t.resourcesOfType('Custom::BlueGreenTraffic').map(({ logicalId }) => ({ logicalId, props: t.resolvedProperties(logicalId) }));
    const wanted = this.options.service;
    const chosen = traffic.filter((r) => !wanted || r.props.ServiceName === wanted || t.describe(r.logicalId).includes(wanted));
    if (chosen.length > 1) {
      throw new Error(`rehearsal: the stack has ${chosen.length} services (${chosen.map((c) => c.props.ServiceName).join(', ')}); choose one with the 'service' option.`);
    }
    if (chosen.length === 1 && !this.options.colors) {
      const { props } = chosen[0];
      this.binding = {
        name: props.ServiceName,
        targetGroups: { BLUE: props.BlueTargetGroupArn, GREEN: props.GreenTargetGroupArn },
        listenerArn: props.ListenerArn,
      };
    } else if (this.options.colors?.BLUE && this.options.colors.GREEN) {
      const tg = (ref: string) => t.ref(t.findResource('AWS::ElasticLoadBalancingV2::TargetGroup', ref));
      this.binding = {
        name: wanted ?? 'service',
        targetGroups: { BLUE: tg(this.options.colors.BLUE), GREEN: tg(this.options.colors.GREEN) },
        listenerArn: this.options.listener ? t.ref(t.findResource('AWS::ElasticLoadBalancingV2::Listener', this.options.listener)) : undefined,
      };
    }
    const machines = t.resourcesOfType('AWS::StepFunctions::StateMachine').map((r) => r.logicalId)
      .filter((id) => !/waiter-?state-?machine/i.test(t.describe(id)));
    let machine: string | undefined;
    if (this.options.stateMachine) {
      machine = t.findResource('AWS::StepFunctions::StateMachine', this.options.stateMachine);
    } else {
      // The service's rollout is the state machine whose definition names the service's target groups.
      const blue = this.binding?.targetGroups.BLUE;
      const scoped = blue ? machines.filter((id) => {
        const definition = t.resolve(t.resource(id).Properties?.DefinitionString);
        return typeof definition === 'string' && definition.includes(blue);
      }) : [];
      machine = scoped.length === 1 ? scoped[0] : machines.length === 1 ? machines[0] : undefined;
    }
    if (machine) {
      this.stateMachineArn = t.ref(machine);
    }
    // Weights already on the rule (created by the traffic custom resource) start the timeline.
    const rule = this.binding ? this.serviceRules()[0] : undefined;
    if (rule) {
      this.lastWeights = this.percentages(rule);
    }
  }

  private requireBinding(): ServiceBinding {
    if (!this.binding) {
      throw new Error(
        'rehearsal: cannot tell which target groups are BLUE and GREEN: the stack has no Custom::BlueGreenTraffic ' +
        'resource. Pass the colors option ({ BLUE: <target group>, GREEN: <target group> }).',
      );
    }
    return this.binding;
  }

  /** Rules carrying the service's user traffic: on its listener, forwarding to its target groups. */
  private serviceRules(): RuleState[] {
    const binding = this.requireBinding();
    return this.loadBalancing.allRules().filter((rule) => {
      const arns = this.loadBalancing.forwardTargets(rule).map((t) => t.targetGroupArn);
      if (binding.listenerArn) {
        return rule.listenerArn === binding.listenerArn && COLORS.some((c) => arns.includes(binding.targetGroups[c]));
      }
      return COLORS.every((c) => arns.includes(binding.targetGroups[c]));
    });
  }

  private percentages(rule: RuleState): Record<Color, number> {
    const targets = this.loadBalancing.forwardTargets(rule);
    const total = targets.reduce((sum, t) => sum + t.weight, 0);
    const binding = this.requireBinding();
    const share = (color: Color) => {
      const weight = targets.filter((t) => t.targetGroupArn === binding.targetGroups[color]).reduce((s, t) => s + t.weight, 0);
      return total === 0 ? 0 : Math.round((weight / total) * 10000) / 100;
    };
    return { BLUE: share('BLUE'), GREEN: share('GREEN') };
  }

  private recordRuleChange(rule: RuleState, operation: string): void {
    if (!this.binding || !this.serviceRules().includes(rule)) {
      return;
    }
    const weights = this.percentages(rule);
    const previous = this.lastWeights;
    const who = this.caller.getStore();
    this.lastWeights = weights;
    this.timeline.push({ t: this.clock.elapsedSeconds(), blueWeight: weights.BLUE, greenWeight: weights.GREEN, event: `${operation} by ${who ?? 'unknown'}` });
    if (who === undefined || !who.startsWith('λ')) {
      return; // A person or the scenario moved traffic: the invariant is about what the system does.
    }
    const at = `t=${this.clock.elapsedSeconds()}s, ${operation} by ${who}`;
    if (Math.abs(weights.BLUE + weights.GREEN - 100) > 0.01) {
      this.invariantViolations.push(`${at}: BLUE ${weights.BLUE}% + GREEN ${weights.GREEN}% is not 100% of user traffic`);
    }
    for (const color of COLORS) {
      if (weights[color] > previous[color]) {
        const targetGroup = this.binding.targetGroups[color];
        const { healthy } = this.fleets.targetHealth(targetGroup);
        const required = this.options.requiredHealthyTargets ?? Math.max(1, this.fleets.desiredCapacity(targetGroup));
        if (healthy < required) {
          this.invariantViolations.push(`${at}: ${color} went from ${previous[color]}% to ${weights[color]}% with ${healthy} healthy targets (needs ${required})`);
        }
      }
    }
  }

  // ------------------------------------------------------------------ Lambda

  private async invokeTask(execution: ExecutionRecord, stateName: string, task: any, input: unknown): Promise<unknown> {
    const resource = String(task.Resource);
    if (resource === 'arn:aws:states:::lambda:invoke' || resource.startsWith('arn:aws:states:::lambda:invoke')) {
      const { FunctionName, Payload } = (input ?? {}) as any;
      const fn = this.functionByReference(String(FunctionName));
      if (!fn) {
        throw Object.assign(new Error(`Function not found: ${FunctionName}`), { name: 'Lambda.ResourceNotFoundException' });
      }
      const payload = await this.invokeFunction(fn, Payload, stateName, execution);
      return { ExecutedVersion: '$LATEST', Payload: payload, StatusCode: 200, SdkHttpMetadata: { HttpStatusCode: 200 } };
    }
    if (resource.startsWith(`${arnPrefix('lambda')}:function:`) || /^arn:aws:lambda:[^:]+:\d+:function:/.test(resource)) {
      const fn = this.functionByReference(resource);
      if (!fn) {
        throw Object.assign(new Error(`Function not found: ${resource}`), { name: 'Lambda.ResourceNotFoundException' });
      }
      return this.invokeFunction(fn, input, stateName, execution);
    }
    const gap = new NotModelledError('Step Functions', `task resource ${resource}`, `state ${stateName}`);
    this.modelGaps.push(gap.message);
    throw gap;
  }

  /** Invokes a function as Lambda would (scripted answer, injected crash, or the real handler). */
  public async invokeFunction(fn: FunctionDefinition, payload: unknown, caller: string, execution?: ExecutionRecord): Promise<unknown> {
    if (this.closed) {
      // Without its mocks a handler would call real AWS: refuse instead.
      throw new Error(`rehearsal: ${caller} was invoked after the rehearsal was closed; something kept running (please report it).`);
    }
    const action = typeof (payload as any)?.action === 'string' ? (payload as any).action : undefined;
    const invocation: Invocation = {
      t: this.clock.elapsedSeconds(), functionLogicalId: fn.logicalId, memoryMb: fn.memoryMb, caller, action, virtualSeconds: 0,
    };
    this.invocations.push(invocation);
    if (execution) {
      execution.lambdaInvocations++;
    }
    const started = this.clock.now();
    try {
      const fault = this.scenario.find((s): s is HandlerFault => s.kind === 'handler-fault'
        && (s.target === action || s.target === caller || s.target === fn.logicalId) && this.hit(s));
      if (fault) {
        throw new LambdaFunctionError(fault.errorType, fault.message, []);
      }
      const scripted = this.scenario.find((s): s is ScriptedFunction => s.kind === 'scripted-function'
        && (s.function === fn.functionName || s.function === fn.logicalId || this.template.describe(fn.logicalId).includes(s.function)));
      if (scripted) {
        try {
          return JSON.parse(JSON.stringify(await scripted.respond(payload) ?? null));
        } catch (error) {
          if (error instanceof LambdaFunctionError) throw error;
          throw new LambdaFunctionError((error as Error).name ?? 'Error', (error as Error).message, []);
        }
      }
      if (!fn.codeDirectory && fn.inlineCode === undefined) {
        throw new Error(
          `rehearsal: no code found for ${this.template.describe(fn.logicalId)} (${fn.logicalId}). Rehearse from a Stack ` +
          'object or a cloud assembly with its assets, or script the function with lambdaResult().',
        );
      }
      const result = await this.caller.run(`λ ${caller}${action ? ` (${action})` : ''}`, () => this.runtime.invoke(fn, payload));
      if (this.clock.now() - started > fn.timeoutSeconds * 1000) {
        // Lambda would have stopped the function at its timeout; detected when the handler returns.
        throw new LambdaFunctionError('Sandbox.Timedout', `Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`, []);
      }
      return result;
    } catch (error) {
      invocation.error = (error as Error).name;
      throw error;
    } finally {
      invocation.virtualSeconds = (this.clock.now() - started) / 1000;
    }
  }

  /** Counts a matching call for an Nth-call fault; true when this call is one that fails. */
  private hit(fault: CallFault | HandlerFault): boolean {
    const count = (this.faultCounts.get(fault) ?? 0) + 1;
    this.faultCounts.set(fault, count);
    return count >= fault.nth && count < fault.nth + fault.times;
  }

  // ------------------------------------------------------------------ custom resources

  private customResourcesToRun(): string[] {
    const t = this.template;
    const extra = new Set((this.options.customResources ?? []).map((ref) => this.findCustomResource(ref)));
    return this.deploymentOrder().filter((logicalId) => {
      const type = t.resource(logicalId).Type;
      if (!type.startsWith('Custom::') && type !== 'AWS::CloudFormation::CustomResource') return false;
      if (extra.has(logicalId)) return true;
      const provider = this.providerOf(logicalId);
      return provider !== undefined && /[\\/](assets|lib)[\\/]handlers[\\/]/.test(provider.onEvent.codeDirectory ?? '');
    });
  }

  /** Any resource of the current template, by logical id or a unique part of its construct path. */
  private findResource(reference: string): string {
    const t = this.template;
    const ids = Object.keys(t.template.Resources).filter((id) => id === reference || t.describe(id).includes(reference));
    if (ids.length !== 1) {
      throw new Error(`rehearsal: failResource '${reference}' matches ${ids.length} resources of the new template; use a logical id or a unique construct path.`);
    }
    return ids[0];
  }

  private findCustomResource(reference: string): string {
    const t = this.template;
    const ids = Object.keys(t.template.Resources).filter((id) => {
      const type = t.resource(id).Type;
      return (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource')
        && (id === reference || t.describe(id).includes(reference));
    });
    if (ids.length !== 1) {
      throw new Error(`rehearsal: customResources entry '${reference}' matches ${ids.length} custom resources; use a logical id or a unique construct path.`);
    }
    return ids[0];
  }

  private providerOf(logicalId: string): CustomResourceProvider | undefined {
    return findProvider(this.template, logicalId, (reference) => this.functionByReference(reference));
  }

  /**
   * Runs a custom resource's handlers like CloudFormation and cr.Provider do: onEvent, then
   * isComplete every poll interval (virtual time) until it reports completion or times out.
   */
  public async runCustomResource(
    logicalId: string,
    requestType: 'Create' | 'Update' | 'Delete',
    oldProperties?: Record<string, unknown>,
  ): Promise<CustomResourceResult> {
    const provider = this.providerOf(logicalId);
    if (!provider) {
      throw new Error(`rehearsal: ${this.template.describe(logicalId)} has no ServiceToken function in the template.`);
    }
    const t = this.template;
    const previous = t.customResourceOutput(logicalId);
    const properties = t.resolvedProperties(logicalId);
    const event: Record<string, unknown> = {
      RequestType: requestType,
      ServiceToken: properties.ServiceToken,
      ResponseURL: 'https://rehearsal.invalid/cloudformation-response',
      StackId: t.ref('AWS::StackId'),
      RequestId: `rehearsal-${stableHex(`${logicalId}:${requestType}:${this.customResourceResults.length}`, 12)}`,
      LogicalResourceId: logicalId,
      ResourceType: t.resource(logicalId).Type,
      ResourceProperties: properties,
      ...(requestType !== 'Create' ? { PhysicalResourceId: previous?.physicalResourceId ?? logicalId } : {}),
      ...(oldProperties ? { OldResourceProperties: oldProperties } : {}),
    };
    const label = `${t.describe(logicalId)} ${requestType}`;
    const result = await this.clock.runProcess(async (): Promise<CustomResourceResult> => {
      let polls = 0;
      const fail = (error: unknown): CustomResourceResult => ({
        logicalId, requestType, status: 'FAILED', polls,
        reason: error instanceof LambdaFunctionError ? error.errorMessage : (error as Error).message,
        physicalResourceId: String(event.PhysicalResourceId ?? event.RequestId), data: {},
      });
      let onEventResult: any;
      try {
        onEventResult = await this.invokeFunction(provider.onEvent, event, `${label} onEvent`);
      } catch (error) {
        return fail(error);
      }
      let physicalResourceId = String(onEventResult?.PhysicalResourceId ?? event.PhysicalResourceId ?? event.RequestId);
      let data: Record<string, unknown> = { ...(onEventResult?.Data ?? {}) };
      if (provider.isComplete) {
        const pollEvent = { ...event, PhysicalResourceId: physicalResourceId, Data: data };
        for (let attempt = 0; ; attempt++) {
          polls++;
          let status: any;
          try {
            status = await this.invokeFunction(provider.isComplete, pollEvent, `${label} isComplete`);
          } catch (error) {
            return fail(error);
          }
          if (status?.IsComplete) {
            data = { ...data, ...(status.Data ?? {}) };
            // cr.Provider reports isComplete's physical id when it returns one.
            physicalResourceId = String(status.PhysicalResourceId ?? physicalResourceId);
            break;
          }
          if (attempt >= provider.maxPolls) {
            return fail(new Error(`Operation timed out: isComplete did not report completion after ${polls} polls.`));
          }
          await this.clock.sleep(provider.pollSeconds * Math.pow(provider.backoff, attempt));
        }
      }
      return { logicalId, requestType, status: 'SUCCESS', physicalResourceId, data, polls };
    });
    this.customResourceResults.push(result);
    this.note(`${label}: ${result.status}${result.reason ? ` (${result.reason})` : ''}`);
    if (result.status === 'SUCCESS' && requestType !== 'Delete') {
      t.recordCustomResourceOutput(logicalId, { physicalResourceId: result.physicalResourceId, data: result.data });
    }
    return result;
  }

  /**
   * Runs a custom resource as another version of the stack has it (its properties, provider and
   * physical id): a resource the new template dropped, or the other side of a replacement.
   */
  private async runCustomResourceIn(
    version: { source: StackSource; template: RehearsalTemplate }, logicalId: string, requestType: 'Delete',
  ): Promise<void> {
    const current = { source: this.source, template: this.template };
    this.source = version.source;
    this.template = version.template;
    this.syncWithTemplate({ fleets: false });
    try {
      await this.runCustomResource(logicalId, requestType);
    } finally {
      this.source = current.source;
      this.template = current.template;
      this.syncWithTemplate({ fleets: false });
    }
  }

  /** Logical ids of the current template in an order CloudFormation could create them. */
  public deploymentOrder(): string[] {
    return deploymentOrder(this.template);
  }

  // ------------------------------------------------------------------ AWS API

  private async dispatch(service: ServiceName, operation: string, input: any): Promise<any> {
    const caller = this.caller.getStore();
    const fault = this.scenario.find((s): s is CallFault => s.kind === 'call-fault'
      && (s.operation === operation || s.operation === `${service}.${operation}`) && this.hit(s));
    if (fault) {
      const error = fault.throttling
        ? throttlingError(service, operation)
        : sdkError(service, fault.errorName as string, fault.message ?? `rehearsal: ${operation} failed (scripted)`);
      this.calls.push({ t: this.clock.elapsedSeconds(), service, operation, caller, resource: resourceOf(input), error: error.name });
      throw error;
    }
    try {
      const output = await this.answer(service, operation, input);
      this.calls.push({ t: this.clock.elapsedSeconds(), service, operation, caller, resource: resourceOf(input) });
      return { $metadata: { httpStatusCode: 200, requestId: `rehearsal-${this.calls.length}`, attempts: 1, totalRetryDelay: 0 }, ...output };
    } catch (error) {
      const translated = this.toSdkError(service, error as Error);
      this.calls.push({ t: this.clock.elapsedSeconds(), service, operation, caller, resource: resourceOf(input), error: translated.name });
      throw translated;
    }
  }

  private toSdkError(service: ServiceName, error: Error): Error {
    if (error instanceof NotModelledError) {
      this.modelGaps.push(error.message);
      return error;
    }
    if ((error as any).$metadata) return error;
    if (error instanceof LoadBalancingError) return sdkError(service, error.name, error.message);
    if (error instanceof ConditionalCheckFailed) {
      return Object.assign(sdkError(service, 'ConditionalCheckFailedException', error.message), error.existing ? { Item: error.existing } : {});
    }
    if (error instanceof TableNotFound) return sdkError(service, 'ResourceNotFoundException', error.message);
    if (error instanceof ValidationError) return sdkError(service, 'ValidationException', error.message);
    if (error.name === 'ValidationError' || error.name === 'ValidationException') return sdkError(service, error.name, error.message);
    return error;
  }

  private async answer(service: ServiceName, operation: string, input: any): Promise<any> {
    const lb = this.loadBalancing;
    switch (`${service}.${operation}`) {
      case 'ELBv2.CreateRule': return lb.createRule(input);
      case 'ELBv2.ModifyRule': return lb.modifyRule(input);
      case 'ELBv2.DeleteRule': return lb.deleteRule(input);
      case 'ELBv2.SetRulePriorities': return lb.setRulePriorities(input);
      case 'ELBv2.DescribeRules': return lb.describeRules(input);
      case 'ELBv2.ModifyListener': return lb.modifyListener(input);
      case 'ELBv2.DescribeListeners': return lb.describeListeners(input);
      case 'ELBv2.DescribeLoadBalancers': return lb.describeLoadBalancers(input);
      case 'ELBv2.DescribeTargetGroups': return lb.describeTargetGroups(input);
      case 'ELBv2.DescribeTargetGroupAttributes': return lb.describeTargetGroupAttributes(input);
      case 'ELBv2.DescribeTargetHealth': return lb.describeTargetHealth(input);
      case 'ELBv2.AddTags': return lb.addTags(input);
      case 'ELBv2.RemoveTags': return lb.removeTags(input);
      case 'ELBv2.DescribeTags': return lb.describeTags(input);
      case 'CloudWatch.DescribeAlarms': return this.alarms.describeAlarms(input);
      case 'CloudWatch.SetAlarmState':
        this.alarms.setState(input.AlarmName, input.StateValue, input.StateReason ?? '', new Date(this.clock.now()));
        return {};
      case 'CloudWatch.PutMetricData':
        this.recordedMetrics.push({ t: this.clock.elapsedSeconds(), namespace: input.Namespace, data: input.MetricData });
        return {};
      case 'AutoScaling.DescribeAutoScalingGroups': return this.fleets.describeAutoScalingGroups(input);
      case 'AutoScaling.UpdateAutoScalingGroup':
      case 'AutoScaling.SetDesiredCapacity': {
        const group = this.fleets.updateAutoScalingGroup(input);
        this.note(`${group.name}: min ${group.minSize}, desired ${group.desiredCapacity}, max ${group.maxSize}`);
        return {};
      }
      case 'DynamoDB.GetItem': {
        const item = this.dynamodb.get(input.TableName, input.Key, input.ProjectionExpression, input.ExpressionAttributeNames);
        return item ? { Item: item } : {};
      }
      case 'DynamoDB.PutItem': return this.withAttributes(this.dynamodb.put(input.TableName, input.Item, input));
      case 'DynamoDB.UpdateItem': return this.withAttributes(this.dynamodb.update(input.TableName, input.Key, input.UpdateExpression, input));
      case 'DynamoDB.DeleteItem': return this.withAttributes(this.dynamodb.delete(input.TableName, input.Key, input));
      case 'DynamoDB.Query':
      case 'DynamoDB.Scan': {
        const { items, lastEvaluatedKey } = this.dynamodb.query(input.TableName, input, operation === 'Scan');
        return { Items: items, Count: items.length, ScannedCount: items.length, ...(lastEvaluatedKey ? { LastEvaluatedKey: lastEvaluatedKey } : {}) };
      }
      case 'SFN.StartExecution': {
        const record = this.startExecution(input.stateMachineArn, input.input ? JSON.parse(input.input) : {}, input.name);
        return { executionArn: record.executionArn, startDate: record.startDate };
      }
      case 'SFN.DescribeExecution': return describeExecution(this.executions, input.executionArn);
      case 'SFN.StopExecution': {
        const record = this.executions.find((e) => e.executionArn === input.executionArn);
        if (!record) throw sdkError('SFN', 'ExecutionDoesNotExist', `Execution Does Not Exist: '${input.executionArn}'`);
        record.stop(input.error, input.cause);
        return { stopDate: new Date(this.clock.now()) };
      }
      case 'SFN.ListExecutions': return listExecutions(this.executions, input);
      case 'Lambda.Invoke': return this.lambdaInvoke(input);
      case 'EC2.DescribeNetworkInterfaces': return lb.describeNetworkInterfaces(input);
      case 'EventBridge.PutEvents': return this.eventBus.putEvents(input, this.clock.elapsedSeconds());
      default:
        throw new NotModelledError(service, operation);
    }
  }

  private withAttributes(attributes: Record<string, unknown> | undefined): any {
    return attributes ? { Attributes: attributes } : {};
  }

  private async lambdaInvoke(input: any): Promise<any> {
    const fn = this.functionByReference(String(input.FunctionName));
    if (!fn) {
      throw sdkError('Lambda', 'ResourceNotFoundException', `Function not found: ${input.FunctionName}`, { httpStatusCode: 404 });
    }
    const text = input.Payload === undefined ? 'null'
      : typeof input.Payload === 'string' ? input.Payload : new TextDecoder().decode(input.Payload);
    const caller = `Invoke ${fn.logicalId}`;
    const encode = (value: unknown) => {
      const bytes = new TextEncoder().encode(JSON.stringify(value ?? null));
      return Object.assign(bytes, { transformToString: () => new TextDecoder().decode(bytes) });
    };
    if (input.InvocationType === 'Event') {
      void this.clock.runProcess(() => this.invokeFunction(fn, JSON.parse(text), caller).catch(() => undefined));
      return { StatusCode: 202 };
    }
    try {
      const result = await this.invokeFunction(fn, JSON.parse(text), caller);
      return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: encode(result) };
    } catch (error) {
      if (error instanceof LambdaFunctionError) {
        return {
          StatusCode: 200, ExecutedVersion: '$LATEST', FunctionError: 'Unhandled',
          Payload: encode({ errorType: error.errorType, errorMessage: error.errorMessage, trace: error.trace }),
        };
      }
      throw error;
    }
  }
}

function resourceOf(input: any): string | undefined {
  const value = input?.RuleArn ?? input?.ListenerArn ?? input?.TargetGroupArn ?? input?.TableName ?? input?.AutoScalingGroupName
    ?? input?.executionArn ?? input?.stateMachineArn ?? input?.FunctionName ?? input?.AlarmNames ?? input?.RuleArns;
  return value === undefined ? undefined : Array.isArray(value) ? value.join(',') : String(value);
}
