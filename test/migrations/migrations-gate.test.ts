import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { Migrations } from '../../lib';

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'cdk-blue-green-migrations-'));
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

function write(name: string, sql: string): string {
  const path = join(directory, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, sql);
  return path;
}

function scope(): { stack: Stack; service: Construct } {
  const stack = new Stack(new App(), 'Shop');
  // Synthesis (done by Annotations.fromStack) warns about an empty template.
  new CfnResource(stack, 'Placeholder', { type: 'AWS::CloudFormation::WaitConditionHandle' });
  return { stack, service: new Construct(stack, 'Web') };
}

test('an unsafe statement fails synthesis with file, line, rule and recipe', () => {
  write('V1__create.sql', 'CREATE TABLE users (id int PRIMARY KEY, email text);');
  write('V2__drop_email.sql', '-- the new version stops using email\n\nALTER TABLE users DROP COLUMN email;');
  const { service } = scope();
  const migrations = Migrations.fromDirectory(directory);
  expect(() => migrations.check(service)).toThrow(/Shop\/Web: 1 migration statement/);
  expect(() => migrations.check(service)).toThrow(/V2__drop_email\.sql:3:1 dropping-column column users\.email is dropped/);
  expect(() => migrations.check(service)).toThrow(/recipe: 1\. Deploy code that no longer reads or writes the column/);
  expect(() => migrations.check(service)).toThrow(/acknowledgments: \[\{ file, rule, reason \}\]/);
});

test('an acknowledged contract migration passes, and the check reports what it saw', () => {
  write('V1__create.sql', 'CREATE TABLE users (id int PRIMARY KEY, email text);');
  write('V2__drop_email.sql', 'ALTER TABLE users DROP COLUMN email;');
  const { service } = scope();
  const migrations = Migrations.fromDirectory(directory, {
    acknowledgments: [{ file: 'V2__drop_email.sql', rule: 'dropping-column', reason: 'release 41, the last reader, is retired' }],
  });
  expect(migrations.check(service)).toEqual({ filesChecked: 2, statementsChecked: 2, suppressed: 1, warnings: 0 });
});

test('files run in version order with numbers compared as numbers, subdirectories included', () => {
  write('V10__b.sql', 'SELECT 1;');
  write('V9__a.sql', 'SELECT 1;');
  write('nested/V11__c.sql', 'SELECT 1;');
  write('notes.txt', 'not a migration');
  expect(Migrations.fromDirectory(directory).files).toEqual(['V9__a.sql', 'V10__b.sql', 'nested/V11__c.sql'].map((name) => join(directory, name)));
});

test('appliedThrough skips the migrations production already ran', () => {
  write('V1__create.sql', 'CREATE TABLE users (id int, email text);');
  write('V2__drop_email.sql', 'ALTER TABLE users DROP COLUMN email;');
  write('V3__add.sql', 'ALTER TABLE users ADD COLUMN name text;');
  const migrations = Migrations.fromDirectory(directory, { appliedThrough: 'V2__drop_email.sql' });
  expect(migrations.files).toEqual([join(directory, 'V3__add.sql')]);
  expect(migrations.check(scope().service)).toEqual({ filesChecked: 1, statementsChecked: 1, suppressed: 0, warnings: 0 });
});

test('warnings become construct warnings and do not fail, unless failOnWarnings', () => {
  write('V1__index.sql', 'CREATE INDEX users_name_idx ON users (name);');
  const { stack, service } = scope();
  expect(Migrations.fromDirectory(directory).check(service).warnings).toBe(1);
  Annotations.fromStack(stack).hasWarning('/Shop/Web', Match.stringLikeRegexp('V1__index.sql:1:1 create-index-without-concurrently'));
  expect(() => Migrations.fromDirectory(directory, { failOnWarnings: true }).check(scope().service)).toThrow(/create-index-without-concurrently/);
});

test('an acknowledgment that matches nothing is reported as a warning', () => {
  write('V1__add.sql', 'ALTER TABLE users ADD COLUMN name text;');
  const { stack, service } = scope();
  Migrations.fromDirectory(directory, { acknowledgments: [{ file: 'V1__add.sql', rule: 'dropping-column', reason: 'stale' }] }).check(service);
  Annotations.fromStack(stack).hasWarning('/Shop/Web', Match.stringLikeRegexp('acknowledgment of dropping-column in V1__add.sql matches no finding'));
});

test('a migration that does not parse fails synthesis with its position', () => {
  write('V1__broken.sql', 'ALTER TABLE users ADD COLUMN;');
  expect(() => Migrations.fromDirectory(directory).check(scope().service)).toThrow(/V1__broken\.sql:1:29 unparsable-sql does not parse: syntax error at or near ";"/);
});

test('fromFiles names files as given and accepts a bare file name in acknowledgments', () => {
  const file = write('sub/V2__rename.sql', 'ALTER TABLE users RENAME COLUMN email TO mail;');
  const acknowledged = Migrations.fromFiles([file], {
    acknowledgments: [{ file: 'V2__rename.sql', rule: 'renaming-column', reason: 'no version reads email any more' }],
  });
  expect(acknowledged.check(scope().service).suppressed).toBe(1);
  expect(() => Migrations.fromFiles([file]).check(scope().service)).toThrow(`${file}:1:1 renaming-column`);
});

describe('invalid input is rejected with a message that says what to do', () => {
  beforeEach(() => write('V1__drop.sql', 'ALTER TABLE users DROP COLUMN email;'));

  test.each([
    [{ file: 'V1__drop.sql', rule: 'dropping-column', reason: '   ' }, /acknowledgments\[0\]\.reason is empty\. Say why dropping-column is safe in V1__drop\.sql/],
    [{ file: 'V1__drop.sql', rule: 'drop-column', reason: 'x' }, /acknowledgments\[0\]\.rule "drop-column" is not a rule id\. The rule ids are: adding-not-null-column, /],
    [{ file: 'V9__nope.sql', rule: 'dropping-column', reason: 'x' }, /acknowledgments\[0\]\.file "V9__nope\.sql" names no migration file\. The files are: V1__drop\.sql/],
  ])('acknowledgment %j', (acknowledgment, message) => {
    expect(() => Migrations.fromDirectory(directory, { acknowledgments: [acknowledgment] })).toThrow(message);
  });

  test('an acknowledgment of a file already applied', () => {
    write('V2__add.sql', 'SELECT 1;');
    expect(() => Migrations.fromDirectory(directory, {
      appliedThrough: 'V1__drop.sql',
      acknowledgments: [{ file: 'V1__drop.sql', rule: 'dropping-column', reason: 'x' }],
    })).toThrow(/"V1__drop\.sql" is at or before appliedThrough, so it is not checked; remove the acknowledgment/);
  });

  test('appliedThrough naming no file', () => {
    expect(() => Migrations.fromDirectory(directory, { appliedThrough: 'V7.sql' })).toThrow(/appliedThrough "V7\.sql" names no migration file; the files are: V1__drop\.sql/);
  });

  test('a directory that does not exist', () => {
    expect(() => Migrations.fromDirectory(join(directory, 'missing'))).toThrow(/Migrations\.fromDirectory: ".*missing" is not a directory/);
  });

  test('fromFiles with a missing file or no files', () => {
    expect(() => Migrations.fromFiles([join(directory, 'V1__drop.sql'), 'nope.sql'])).toThrow(/files\[1\] "nope\.sql" is not a file/);
    expect(() => Migrations.fromFiles([])).toThrow(/no files given/);
  });
});
