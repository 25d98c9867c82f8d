import { findingsOf, checkSql } from './check-sql';

const DROP = 'ALTER TABLE users DROP COLUMN email;';

test('a reasoned comment directly before a statement suppresses that rule there, and keeps the reason', async () => {
  const report = await checkSql(`-- cdk-blue-green: allow dropping-column: v41, the last reader, was retired\n${DROP}`);
  expect(report.verdict).toBe('safe');
  expect(report.files[0].findings).toEqual([expect.objectContaining({
    rule: 'dropping-column', suppressed: { by: 'statement', reason: 'v41, the last reader, was retired' },
  })]);
});

test('a statement suppression covers only the next statement', async () => {
  const report = await checkSql(`-- cdk-blue-green: allow dropping-column: retired\n${DROP}\nALTER TABLE orders DROP COLUMN note;`);
  expect(report.verdict).toBe('unsafe');
  expect(report.files[0].findings.map((finding) => [finding.line, finding.suppressed?.by])).toEqual([[2, 'statement'], [3, undefined]]);
});

test('a comment on the line where a statement ends belongs to that statement', async () => {
  const report = await checkSql(`${DROP} -- cdk-blue-green: allow dropping-column: retired\nALTER TABLE orders DROP COLUMN note;`);
  expect(report.files[0].findings.map((finding) => [finding.line, finding.suppressed?.by])).toEqual([[1, 'statement'], [2, undefined]]);
});

test('a suppression names only the rules it lists', async () => {
  const findings = await findingsOf(`-- cdk-blue-green: allow renaming-column: wrong rule\n${DROP}`);
  expect(findings.map((finding) => [finding.line, finding.rule, finding.suppressed])).toEqual([
    [1, 'unused-suppression', undefined],
    [2, 'dropping-column', undefined],
  ]);
});

test('several rules in one comment, block comment syntax', async () => {
  const report = await checkSql('/* cdk-blue-green: allow dropping-column, create-index-without-concurrently: empty table */\n'
    + 'ALTER TABLE users DROP COLUMN a, ADD COLUMN b int;');
  expect(report.verdict).toBe('safe');
});

test('a file suppression covers every statement of its file only', async () => {
  const report = await checkSql(
    `-- cdk-blue-green: allow-file dropping-column: contract migration after release 42\n${DROP}\nALTER TABLE orders DROP COLUMN note;`,
    DROP,
  );
  expect(report.files.map((file) => file.findings.map((finding) => finding.suppressed?.by))).toEqual([['file', 'file'], [undefined]]);
});

test.each([
  ['-- cdk-blue-green: allow dropping-column', 'has no reason'],
  ['-- cdk-blue-green: allow dropping-column:   ', 'has no reason'],
  ['-- cdk-blue-green: allow-file dropping-column:', 'has no reason'],
  ['-- cdk-blue-green: allow droping-column: typo', 'unknown rule id "droping-column"'],
  ['-- cdk-blue-green: ignore dropping-column: wrong verb', 'cannot read'],
])('%s is an error and suppresses nothing', async (comment, problem) => {
  const report = await checkSql(`${comment}\n${DROP}`);
  expect(report.verdict).toBe('unsafe');
  expect(report.files[0].findings.map((finding) => [finding.rule, finding.line, finding.suppressed])).toEqual([
    ['invalid-suppression', 1, undefined],
    ['dropping-column', 2, undefined],
  ]);
  expect(report.files[0].findings[0].message).toContain(problem);
});

test('other comments mentioning the tool elsewhere in the text are ignored', async () => {
  const findings = await findingsOf(`-- checked by cdk-blue-green: see README\n${DROP}`);
  expect(findings.map((finding) => [finding.rule, finding.suppressed])).toEqual([['dropping-column', undefined]]);
});

test('a suppression inside a string is not a comment', async () => {
  const report = await checkSql(`SELECT '-- cdk-blue-green: allow dropping-column: not a comment';\n${DROP}`);
  expect(report.verdict).toBe('unsafe');
});
