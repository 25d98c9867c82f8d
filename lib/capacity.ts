/**
 * Size of one color's auto-scaling group.
 *
 * Both colors are sized independently: the idle color needs enough instances to pass its health
 * gate and smoke test, and enough to take all traffic once it becomes live.
 */
export interface Capacity {
  /**
   * Minimum number of instances.
   *
   * The default, 2, puts one instance in each Availability Zone of a two-AZ VPC, so losing an AZ
   * leaves the color serving.
   *
   * @default 2
   */
  readonly min?: number;

  /**
   * Maximum number of instances.
   *
   * @default - twice the larger of `min` and `desired`
   */
  readonly max?: number;

  /**
   * Desired number of instances, written into the template.
   *
   * Leave it unset when scaling policies or the rollout change the group's size at run time: a
   * desired capacity in the template resets the size on every deploy.
   *
   * @default - not set in the template: the group starts at `min` and scaling owns its size
   */
  readonly desired?: number;
}
