// The PutEvents adapter: exact requests, and that no failure of EventBridge ever escapes it.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { publishRolloutEvents } from '../../../lib/handlers/rollout/event-publisher';
import { rolloutStarted, weightsShifted } from '../../../lib/handlers/rollout/rollout-events';

const eventBridge = mockClient(EventBridgeClient);
const client = new EventBridgeClient({ region: 'eu-west-1' });
const context = {
  service: 'Web',
  execution: { id: 'arn:aws:states:eu-west-1:1:execution:M:run-1', name: 'run-1' },
  input: { from: 'BLUE' as const, to: 'GREEN' as const, reason: 'release v2', requestedBy: 'cli:ana' },
  at: new Date('2026-03-01T10:00:00Z'),
};
const started = rolloutStarted(context, [{ percent: 100, bakeSeconds: 0 }]);
const shifted = weightsShifted(context, { index: 1, count: 1, percent: 100 }, { BLUE: 0, GREEN: 100 });
let warnings: string[];

beforeEach(() => {
  eventBridge.reset();
  warnings = [];
  jest.spyOn(console, 'info').mockImplementation(() => undefined);
  jest.spyOn(console, 'warn').mockImplementation((line: string) => {
    warnings.push(line);
  });
});

afterEach(() => jest.restoreAllMocks());

test('sends the entries as built, in one PutEvents call on the default bus', async () => {
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }, { EventId: '2' }] });
  await publishRolloutEvents(client, () => [started, shifted]);
  const calls = eventBridge.commandCalls(PutEventsCommand);
  expect(calls).toHaveLength(1);
  expect(calls[0].args[0].input).toEqual({ Entries: [started, shifted] });
  expect(warnings).toEqual([]);
});

test('nothing to send: no call', async () => {
  await publishRolloutEvents(client, () => []);
  expect(eventBridge.calls()).toHaveLength(0);
});

test('rejected entries (FailedEntryCount > 0) are a warning naming the events and the error codes, never an error', async () => {
  eventBridge.on(PutEventsCommand).resolves({
    FailedEntryCount: 1,
    Entries: [{ EventId: '1' }, { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
  });
  await expect(publishRolloutEvents(client, () => [started, shifted])).resolves.toBeUndefined();
  expect(warnings.map((w) => JSON.parse(w))).toEqual([expect.objectContaining({
    level: 'WARN',
    event: 'rollout.events.notDelivered',
    detailTypes: ['Blue-Green Rollout Started', 'Blue-Green Weights Shifted'],
    failed: 1,
    errors: ['InternalFailure: try again'],
  })]);
});

test('a failed call (access denied, throttling, no network) is a warning, never an error', async () => {
  eventBridge.on(PutEventsCommand).rejects(Object.assign(new Error('not authorized to perform: events:PutEvents'), { name: 'AccessDeniedException' }));
  await expect(publishRolloutEvents(client, () => [started])).resolves.toBeUndefined();
  expect(JSON.parse(warnings[0])).toMatchObject({
    event: 'rollout.events.notDelivered', error: 'AccessDeniedException', detailTypes: ['Blue-Green Rollout Started'],
    consequence: expect.stringMatching(/events:PutEvents on the default event bus/),
  });
});

test('an entry that cannot be built (malformed state) is a warning too, and nothing is sent', async () => {
  await expect(publishRolloutEvents(client, () => {
    throw new TypeError('Cannot read properties of undefined');
  })).resolves.toBeUndefined();
  expect(eventBridge.calls()).toHaveLength(0);
  expect(JSON.parse(warnings[0])).toMatchObject({ event: 'rollout.events.notDelivered', error: 'TypeError' });
});
