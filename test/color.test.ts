import { Color } from '../lib';

test('colors are BLUE and GREEN', () => {
  expect(Object.values(Color).sort()).toEqual(['BLUE', 'GREEN']);
});
