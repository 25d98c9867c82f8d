import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectMigrationFiles, displayName, MigrationReadError, readMigrationSources } from '../../lib/migrations/migration-files';

describe('collectMigrationFiles', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'cdk-blue-green-files-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  test('orders by file name with numbers compared as numbers, then by the path below the directory', () => {
    for (const file of ['b/V1__x.sql', 'a/V1__x.sql', 'V10__y.sql', 'V9__z.sql', 'a/deeper/V2__w.SQL', 'notes.txt']) {
      mkdirSync(join(directory, file, '..'), { recursive: true });
      writeFileSync(join(directory, file), 'SELECT 1;');
    }
    expect(collectMigrationFiles([directory], '/')).toEqual(
      ['a/V1__x.sql', 'b/V1__x.sql', 'a/deeper/V2__w.SQL', 'V9__z.sql', 'V10__y.sql'].map((file) => join(directory, file)));
  });

  test('names each file by its normalised path, however it was written, and counts it once', () => {
    mkdirSync(join(directory, 'a'));
    writeFileSync(join(directory, 'V1.sql'), 'SELECT 1;');
    const written = [`${directory}/V1.sql`, `${directory}/./V1.sql`, `${directory}//V1.sql`, `${directory}/a/../V1.sql`, 'V1.sql'];
    expect(collectMigrationFiles(written, directory)).toEqual([join(directory, 'V1.sql')]);
    expect(() => collectMigrationFiles([`${directory}/V1.sql/x.sql`], '/')).toThrow(/does not exist/);
    expect(() => collectMigrationFiles([`${directory}/missing.sql`], '/')).toThrow(/"[^"]*missing.sql" does not exist/);
  });

  test('many named paths (a shell glob) give what each path gives on its own: files, folders, links, and missing ones', () => {
    mkdirSync(join(directory, 'nested.sql'));
    writeFileSync(join(directory, 'nested.sql', 'V0__inner.sql'), 'SELECT 1;');
    const named = Array.from({ length: 80 }, (_, index) => join(directory, `V${index + 1}__x.sql`));
    for (const file of named) writeFileSync(file, 'SELECT 1;');
    symlinkSync(named[0], join(directory, 'link.sql'));
    symlinkSync(join(directory, 'nested.sql'), join(directory, 'linked-folder.sql'));
    const paths = [...named, join(directory, 'link.sql'), join(directory, 'nested.sql'), join(directory, 'linked-folder.sql'), 'V2__x.sql'];
    const oneByOne = paths.flatMap((path) => collectMigrationFiles([path], directory));
    expect(collectMigrationFiles(paths, directory)).toEqual([...new Set(oneByOne)]);
    expect(collectMigrationFiles(paths, directory)).toEqual([...named, join(directory, 'link.sql'), join(directory, 'nested.sql', 'V0__inner.sql'),
      join(directory, 'linked-folder.sql', 'V0__inner.sql')]);
    expect(() => collectMigrationFiles([...named, join(directory, 'V999__missing.sql')], directory)).toThrow(/"[^"]*V999__missing.sql" does not exist/);
    expect(() => collectMigrationFiles([...named, '/dev/null'], directory)).toThrow(/"\/dev\/null" is neither a file nor a directory/);
  });
});

describe('readMigrationSources', () => {
  test('reads the files in order, each named from the working directory; the first unreadable one stops it, named', () => {
    const directory = mkdtempSync(join(tmpdir(), 'cdk-blue-green-read-'));
    try {
      writeFileSync(join(directory, 'V1.sql'), 'SELECT 1;');
      writeFileSync(join(directory, 'V2.sql'), 'SELECT 2;');
      expect(readMigrationSources([join(directory, 'V2.sql'), join(directory, 'V1.sql')], directory))
        .toEqual([{ file: 'V2.sql', sql: 'SELECT 2;' }, { file: 'V1.sql', sql: 'SELECT 1;' }]);
      const read = (): unknown => readMigrationSources([join(directory, 'V1.sql'), join(directory, 'gone.sql'), '/proc/self/mem'], directory);
      expect(read).toThrow(MigrationReadError);
      expect(read).toThrow(/^cannot read "gone.sql" \(ENOENT[^)]*\); make sure the file is readable, or leave it out\.$/);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('displayName', () => {
  test.each([
    ['/work/db/V1.sql', '/work', 'db/V1.sql'],
    ['/work/db/V1.sql', '/work/', 'db/V1.sql'],
    ['/work//db/V1.sql', '/work', 'db/V1.sql'],
    ['/work/db/./V1.sql', '/work', 'db/V1.sql'],
    ['/work/../work/db/V1.sql', '/work', 'db/V1.sql'],
    ['/work/db/V1.sql', '/work/db/../', 'db/V1.sql'],
    ['/elsewhere/V1.sql', '/work', '/elsewhere/V1.sql'],
    ['/work-old/V1.sql', '/work', '/work-old/V1.sql'],
  ])('names %s from %s as %s (below the working directory: relative and normalised; elsewhere: absolute)', (file, workingDirectory, expected) => {
    expect(displayName(file, workingDirectory)).toBe(expected);
  });
});
