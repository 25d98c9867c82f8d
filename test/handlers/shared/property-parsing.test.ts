import * as fc from 'fast-check';
import {
  requireArn,
  requireColor,
  requireConditions,
  requireInteger,
  requireString,
  requireStringRecord,
} from '../../../lib/handlers/shared/property-parsing';

const R = 'Svc (Custom::Test)';

test('requireInteger accepts the string form CloudFormation sends and the range bounds', () => {
  expect(requireInteger({ P: '1' }, 'P', { min: 1, max: 50000 }, R)).toBe(1);
  expect(requireInteger({ P: '50000' }, 'P', { min: 1, max: 50000 }, R)).toBe(50000);
  expect(requireInteger({ P: 42 }, 'P', { min: 1, max: 50000 }, R)).toBe(42);
});

test.each([['0'], ['50001'], ['1.5'], ['-3'], [''], ['abc'], [true], [undefined]])(
  'requireInteger rejects %j naming the property and the range', (value) => {
    expect(() => requireInteger({ P: value }, 'P', { min: 1, max: 50000 }, R))
      .toThrow(/^Svc \(Custom::Test\): property P must be a whole number from 1 to 50000, got /);
  });

test('property: requireInteger either returns an in-range integer or throws a message naming the property', () => {
  fc.assert(fc.property(fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null)), (value) => {
    try {
      const n = requireInteger({ P: value }, 'P', { min: 1, max: 50000 }, R);
      expect(Number.isInteger(n) && n >= 1 && n <= 50000).toBe(true);
    } catch (error) {
      expect((error as Error).message).toContain('property P must be a whole number from 1 to 50000');
    }
  }));
});

test('requireString, requireArn and requireColor name the property and the allowed values', () => {
  expect(() => requireString({}, 'ServiceName', R)).toThrow('property ServiceName must be a non-empty string, got nothing');
  expect(() => requireArn({ L: 'listener' }, 'L', R)).toThrow('property L must be an ARN (arn:...), got "listener"');
  expect(requireColor({ C: 'GREEN' }, 'C', R)).toBe('GREEN');
  expect(() => requireColor({ C: 'blue' }, 'C', R)).toThrow('property C must be BLUE or GREEN, got "blue". Use Color.BLUE or Color.GREEN.');
});

test('requireConditions wants a non-empty list of objects with a Field', () => {
  const conditions = [{ Field: 'host-header', HostHeaderConfig: { Values: ['a.example.com'] } }];
  expect(requireConditions({ C: conditions }, 'C', R)).toBe(conditions);
  for (const bad of [[], 'path', [{ Values: ['/'] }], [null]]) {
    expect(() => requireConditions({ C: bad }, 'C', R)).toThrow('property C must be a non-empty list of listener rule conditions');
  }
});

test('requireStringRecord keeps listed fields, accepts empty strings, and names a missing field', () => {
  expect(requireStringRecord({ X: { A: 'a', B: '', extra: 1 } }, 'X', ['A', 'B'], R)).toEqual({ A: 'a', B: '' });
  expect(() => requireStringRecord({ X: { A: 'a' } }, 'X', ['A', 'B'], R)).toThrow('property X.B must be a string, got nothing');
  expect(() => requireStringRecord({ X: 'a' }, 'X', ['A'], R)).toThrow('property X must be an object with A');
});
