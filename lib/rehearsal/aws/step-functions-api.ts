// Step Functions read APIs over the rehearsal's executions (StartExecution and StopExecution act
// on the world, see rehearsal.ts).
import type { ExecutionRecord } from '../execution';
import { sdkError } from './sdk-mocks';

export function describeExecution(executions: readonly ExecutionRecord[], executionArn: string): any {
  const record = executions.find((e) => e.executionArn === executionArn);
  if (!record) {
    throw sdkError('SFN', 'ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
  }
  return {
    executionArn: record.executionArn, stateMachineArn: record.stateMachineArn, name: record.name, status: record.status,
    startDate: record.startDate, ...(record.stopDate ? { stopDate: record.stopDate } : {}),
    input: JSON.stringify(record.input),
    ...(record.status === 'SUCCEEDED' ? { output: JSON.stringify(record.output) } : {}),
    ...(record.error ? { error: record.error } : {}), ...(record.cause ? { cause: record.cause } : {}),
  };
}

/** Newest first, as Step Functions lists them. */
export function listExecutions(executions: readonly ExecutionRecord[], input: any): any {
  const matches = executions
    .filter((e) => e.stateMachineArn === input.stateMachineArn && (!input.statusFilter || e.status === input.statusFilter))
    .reverse();
  return {
    executions: matches.map((e) => ({
      executionArn: e.executionArn, stateMachineArn: e.stateMachineArn, name: e.name, status: e.status,
      startDate: e.startDate, ...(e.stopDate ? { stopDate: e.stopDate } : {}),
    })),
  };
}
