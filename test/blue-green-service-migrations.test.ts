import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { BlueGreenService, Color, Migrations } from '../lib';

// The `migrations` prop puts the checker in front of the synthesis of the service itself.
let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'cdk-blue-green-service-migrations-'));
  writeFileSync(join(directory, 'V1__create_users.sql'), 'CREATE TABLE users (id int PRIMARY KEY, email text);\n');
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

function service(migrations: Migrations): Stack {
  const stack = new Stack(new App(), 'Shop');
  const vpc = new ec2.Vpc(stack, 'Vpc');
  const machineImage = ec2.MachineImage.genericLinux({ 'us-east-1': 'ami-0123456789abcdef0' });
  new BlueGreenService(stack, 'Web', { vpc, blue: { machineImage }, green: { machineImage }, live: Color.BLUE, migrations });
  return stack;
}

test('an unsafe migration fails the synthesis of the service with file, line, rule and recipe', () => {
  writeFileSync(join(directory, 'V2__rename.sql'), '\nALTER TABLE users RENAME COLUMN email TO email_address;\n');
  expect(() => service(Migrations.fromDirectory(directory)))
    .toThrow(/Shop\/Web: 1 migration statement[\s\S]*V2__rename\.sql:2:1 renaming-column[\s\S]*recipe/);
});

test('a safe expand migration lets the service synthesize', () => {
  writeFileSync(join(directory, 'V2__add_phone.sql'), 'ALTER TABLE users ADD COLUMN phone text;\n');
  const template = Template.fromStack(service(Migrations.fromDirectory(directory)));
  template.resourceCountIs('Custom::BlueGreenTraffic', 1);
});

test('an acknowledged contract migration is allowed, with its reason', () => {
  writeFileSync(join(directory, 'V2__drop_email.sql'), 'ALTER TABLE users DROP COLUMN email;\n');
  const migrations = Migrations.fromDirectory(directory, {
    acknowledgments: [{ file: 'V2__drop_email.sql', rule: 'dropping-column', reason: 'release 41, the last reader of users.email, is retired' }],
  });
  expect(() => service(migrations)).not.toThrow();
});
