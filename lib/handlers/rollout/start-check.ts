// Is it safe to start moving traffic from `from` to `to`, given the weights on the rule now?
import type { ColorWeights, FleetColor } from '../shared/color-weights';

export type StartDecision = { readonly kind: 'START' } | { readonly kind: 'REFUSE'; readonly message: string };

export function decideStart(service: string, from: FleetColor, to: FleetColor, weights: ColorWeights): StartDecision {
  if (weights[to] === 100) {
    return {
      kind: 'REFUSE',
      message: `${to} already serves 100% of ${service}'s traffic; there is nothing to roll out. ` +
        `To move traffic back to ${from}, start a rollout with from=${to} and to=${from}.`,
    };
  }
  if (weights[from] === 0) {
    return {
      kind: 'REFUSE',
      message: `${from} serves no traffic of ${service} (weights BLUE ${weights.BLUE}% / GREEN ${weights.GREEN}%), ` +
        `so it is not a safe color to fall back to. Start the rollout from the color that serves traffic.`,
    };
  }
  return { kind: 'START' };
}
