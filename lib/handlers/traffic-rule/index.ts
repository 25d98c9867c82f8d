import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

/** Result of a cr.Provider onEvent handler. */
export interface OnEventResponse {
  readonly PhysicalResourceId: string;
  readonly Data: Record<string, string>;
}

// Placeholder with the final signature so constructs can synthesize; implementation follows.
export async function handler(event: CloudFormationCustomResourceEvent): Promise<OnEventResponse> {
  throw new Error(`not implemented yet (${event.RequestType})`);
}
