// Auto Scaling groups and the health of their targets. A target group's registered targets are the
// instances of the groups attached to it; how many of them are healthy is scripted by scenarios
// (targets turn unhealthy at minute 3...) and otherwise equals the registered count.
import { stableHex } from '../fake-identifiers';

export interface AutoScalingGroupState {
  readonly name: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  readonly targetGroupArns: string[];
  /** A readable stand-in for the launch configuration: changes when a deploy updates the fleet. */
  launchTemplateVersion: string;
}

export interface TargetHealthCount {
  readonly registered: number;
  readonly healthy: number;
}

export class FleetModel {
  private readonly groups = new Map<string, AutoScalingGroupState>();
  private readonly healthyOverride = new Map<string, number>();

  public addGroup(group: AutoScalingGroupState): void {
    this.groups.set(group.name, group);
  }

  public group(name: string): AutoScalingGroupState | undefined {
    return this.groups.get(name);
  }

  public allGroups(): AutoScalingGroupState[] {
    return [...this.groups.values()];
  }

  public groupsOfTargetGroup(targetGroupArn: string): AutoScalingGroupState[] {
    return this.allGroups().filter((g) => g.targetGroupArns.includes(targetGroupArn));
  }

  /** Scenario control: this many targets of the target group answer health checks (undefined: all). */
  public setHealthyTargets(targetGroupArn: string, healthy: number | undefined): void {
    if (healthy === undefined) {
      this.healthyOverride.delete(targetGroupArn);
    } else {
      this.healthyOverride.set(targetGroupArn, healthy);
    }
  }

  public targetHealth(targetGroupArn: string): TargetHealthCount {
    const fromGroups = this.groupsOfTargetGroup(targetGroupArn).reduce((sum, g) => sum + g.desiredCapacity, 0);
    const override = this.healthyOverride.get(targetGroupArn);
    const registered = Math.max(fromGroups, override ?? 0);
    return { registered, healthy: Math.min(override ?? registered, registered) };
  }

  /** Desired capacity of the groups behind a target group: the default "enough healthy targets". */
  public desiredCapacity(targetGroupArn: string): number {
    return this.groupsOfTargetGroup(targetGroupArn).reduce((sum, g) => sum + g.desiredCapacity, 0);
  }

  /** Auto Scaling DescribeAutoScalingGroups: all desired instances InService and Healthy. */
  public describeAutoScalingGroups(input: any): any {
    const names: string[] | undefined = input.AutoScalingGroupNames;
    const groups = this.allGroups().filter((g) => !names?.length || names.includes(g.name));
    return {
      AutoScalingGroups: groups.map((g) => ({
        AutoScalingGroupName: g.name, MinSize: g.minSize, MaxSize: g.maxSize, DesiredCapacity: g.desiredCapacity,
        TargetGroupARNs: [...g.targetGroupArns], HealthCheckType: 'ELB',
        Instances: Array.from({ length: g.desiredCapacity }, (_, i) => ({
          InstanceId: `i-${stableHex(`${g.name}:${i}`, 17)}`, LifecycleState: 'InService', HealthStatus: 'Healthy',
          ProtectedFromScaleIn: false,
        })),
      })),
    };
  }

  /** UpdateAutoScalingGroup and SetDesiredCapacity, with Auto Scaling's bounds check. */
  public updateAutoScalingGroup(input: any): AutoScalingGroupState {
    const group = this.group(input.AutoScalingGroupName);
    if (!group) {
      throw validationError(`AutoScalingGroup name not found - ${input.AutoScalingGroupName}`);
    }
    const min = input.MinSize ?? group.minSize;
    const max = input.MaxSize ?? group.maxSize;
    const desired = input.DesiredCapacity ?? Math.min(Math.max(group.desiredCapacity, min), max);
    if (!(min <= desired && desired <= max)) {
      throw validationError(`Desired capacity:${desired} must be between the specified min size:${min} and max size:${max}`);
    }
    Object.assign(group, { minSize: min, maxSize: max, desiredCapacity: desired });
    return group;
  }
}

/** Auto Scaling's error code for invalid requests (turned into the SDK's error by the mocks). */
function validationError(message: string): Error {
  return Object.assign(new Error(message), { name: 'ValidationError' });
}
