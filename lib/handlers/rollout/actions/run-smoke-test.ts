// Smoke test with the user's own function: passes by returning, fails by throwing or by
// returning { passed: false, reason }.
import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { RolloutClients } from '../aws-clients';
import { awsCall, SmokeTestFailed } from '../errors';
import { publishRolloutEvents } from '../event-publisher';
import { smokeTestPassed, taskEventContext } from '../rollout-events';
import { parseRolloutInput } from '../rollout-input';
import type { TaskEvent } from '../task-event';

export interface SmokeVerdict {
  readonly passed: boolean;
  readonly reason: string;
}

/** Reads the user's function result: anything but an explicit `passed: false` is a pass. */
export function verdictOf(functionError: string | undefined, payload: unknown): SmokeVerdict {
  if (functionError) {
    const p = payload as { errorType?: string; errorMessage?: string } | undefined;
    return { passed: false, reason: `it threw ${p?.errorType ?? functionError}: ${p?.errorMessage ?? 'no message'}` };
  }
  if (payload && typeof payload === 'object' && (payload as { passed?: unknown }).passed === false) {
    const reason = (payload as { reason?: unknown }).reason;
    return { passed: false, reason: `it returned passed=false: ${typeof reason === 'string' ? reason : 'no reason given'}` };
  }
  return { passed: true, reason: 'it returned normally' };
}

export async function runSmokeTest(event: TaskEvent, clients: RolloutClients, now: () => Date): Promise<SmokeVerdict> {
  const input = parseRolloutInput(event.input);
  const { to, reason } = input;
  const functionName = event.smokeFunctionArn;
  if (!functionName) {
    throw new SmokeTestFailed('No smoke test function was configured for this task; the state machine definition is broken. Redeploy the stack.');
  }
  const out = await awsCall('lambda:InvokeFunction', () => clients.lambda.send(new InvokeCommand({
    FunctionName: functionName,
    Payload: Buffer.from(JSON.stringify({ service: event.service.name, color: to, testUrl: event.testUrl ?? '', reason })),
  })));
  const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
  let payload: unknown;
  try {
    payload = text ? JSON.parse(text) : undefined;
  } catch {
    payload = text;
  }
  const verdict = verdictOf(out.FunctionError, payload);
  if (!verdict.passed) {
    throw new SmokeTestFailed(`The smoke test function ${functionName} failed ${to}: ${verdict.reason}.`);
  }
  await publishRolloutEvents(clients.events, () => [
    smokeTestPassed(taskEventContext(event, input, now()), 'LAMBDA', `${functionName}: ${verdict.reason}`),
  ]);
  return verdict;
}
