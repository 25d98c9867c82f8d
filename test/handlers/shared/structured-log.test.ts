import { logEvent } from '../../../lib/handlers/shared/structured-log';

afterEach(() => jest.restoreAllMocks());

test('writes one JSON object per record, on the console stream of its level', () => {
  const info = jest.spyOn(console, 'info').mockImplementation(() => undefined);
  const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);

  logEvent('INFO', 'traffic-rule.updated', { service: 'App/Web', weights: { BLUE: 90, GREEN: 10 } });
  logEvent('ERROR', 'live-fleet-guard.decision', { refused: true });

  expect(JSON.parse(info.mock.calls[0][0])).toEqual({
    level: 'INFO', event: 'traffic-rule.updated', service: 'App/Web', weights: { BLUE: 90, GREEN: 10 },
  });
  expect(JSON.parse(error.mock.calls[0][0])).toEqual({ level: 'ERROR', event: 'live-fleet-guard.decision', refused: true });
});
