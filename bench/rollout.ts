// Rollout figures from the offline rehearsal (printed, never asserted): state transitions and
// Lambda invocations per default rollout and what they cost at public prices, and how long after
// an alarm the traffic is fully back on the old color. `npx tsx bench/rollout.ts` runs it alone.
import '../test/setup';
import { App } from 'aws-cdk-lib';
import { BasicServiceStack } from '../examples/basic-service';
import { alarm, at, rehearse, type RehearsalResult } from '../lib/rehearsal';

/** Public prices, us-east-1 (checked 2026): Step Functions standard, Lambda requests and arm64 compute. */
const PRICES = {
  perStateTransition: 0.025 / 1000,
  perLambdaRequest: 0.20 / 1_000_000,
  perArmGbSecond: 0.0000133334,
};
/**
 * Billed time per handler invocation: a few AWS API calls. The rehearsal's API calls take no
 * virtual time, so this is an assumption, printed beside the figure.
 */
const ASSUMED_MS_PER_INVOCATION = 100;
const GOALS = { transitions: 300, secondsToRestore: 10 };

const input = { from: 'BLUE', to: 'GREEN', reason: 'bench' };

export async function benchRollout(): Promise<void> {
  // The example app: one service, default plan, built-in alarms.
  const stack = new BasicServiceStack(new App(), 'BlueGreenBasic', { env: { region: 'us-east-1' } });
  const greenAlarm = stack.service.greenAlarms[0].node.path;
  // Synthesis, bundle loading and JIT warm-up are not part of a rollout's cost.
  await rehearse({ stack, input });

  const started = performance.now();
  const result = await rehearse({ stack, input });
  const wallMs = performance.now() - started;

  const rollout = result.invocations.filter((i) => i.caller !== undefined && !/ (Create|Update|Delete) /.test(i.caller));
  const gbSeconds = rollout.reduce((sum, i) => sum + (i.memoryMb / 1024) * (ASSUMED_MS_PER_INVOCATION / 1000 + i.virtualSeconds), 0);
  const cost = {
    stepFunctions: result.transitions * PRICES.perStateTransition,
    lambdaRequests: result.lambdaInvocations * PRICES.perLambdaRequest,
    lambdaCompute: gbSeconds * PRICES.perArmGbSecond,
  };
  const total = cost.stepFunctions + cost.lambdaRequests + cost.lambdaCompute;

  console.log('Example app (examples/basic-service.ts), default plan (10% → 50% → 100%, 5-minute bakes, 10 s polls), BLUE → GREEN:');
  row('outcome', result.status);
  row('virtual duration', `${result.durationSeconds} s`);
  row('rehearsal wall time', `${wallMs.toFixed(0)} ms (after a warm-up run)`);
  row('state transitions', `${result.transitions}`, `goal ≤ ${GOALS.transitions}`);
  row('Lambda invocations', `${result.lambdaInvocations}`);
  row('Step Functions cost', usd(cost.stepFunctions), '$0.025 per 1,000 transitions');
  row('Lambda request cost', usd(cost.lambdaRequests), '$0.20 per 1M requests');
  row('Lambda compute cost', usd(cost.lambdaCompute),
    `${gbSeconds.toFixed(2)} GB-s at $${PRICES.perArmGbSecond}/GB-s (arm64), assuming ${ASSUMED_MS_PER_INVOCATION} ms per invocation`);
  row('total per rollout', usd(total), `${(1000 * total).toFixed(2)} USD per 1,000 rollouts`);

  console.log(`\nAlarm ${stack.service.greenAlarms[0].node.id} during each bake (enters ALARM 1 s after an alarm check, the slowest case within one poll):`);
  for (const [index, stepStart] of [0, 300, 600].entries()) {
    const alarmAt = stepStart + 121;
    const failed = await rehearse({ stack, input, scenario: [at(alarmAt, alarm(greenAlarm, 'ALARM'))] });
    const restoredAt = restoredTime(failed);
    const seconds = restoredAt === undefined ? 'not restored' : `${(restoredAt - alarmAt).toFixed(0)} s`;
    row(`step ${index + 1} (${[10, 50, 100][index]}%)`, `alarm at ${alarmAt} s → BLUE 100% at ${restoredAt ?? '-'} s: ${seconds}`,
      `goal ≤ ${GOALS.secondsToRestore} s; ${failed.transitions} transitions, outcome ${failed.status} (${failed.error})`);
  }
}

/** When the rollback's write put all traffic back on BLUE. */
function restoredTime(result: RehearsalResult): number | undefined {
  return result.timeline.find((e) => e.event.includes('Roll back') && e.blueWeight === 100)?.t;
}

function row(label: string, value: string, note = ''): void {
  console.log(`  ${label.padEnd(22)} ${value.padEnd(44)} ${note}`);
}

function usd(amount: number): string {
  return `$${amount.toFixed(6)}`;
}

if (require.main === module) {
  benchRollout().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
