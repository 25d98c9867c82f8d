import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { MigrationSource } from './checker';

/** A path given by the user that cannot be read as migrations. */
export class MigrationPathError extends Error {}

/**
 * Expands files and directories into migration files, in the order they run: explicitly named
 * files in the given order, directories as their `.sql` files (recursively) sorted by file name with
 * numbers compared as numbers (so `V10__x.sql` comes after `V9__x.sql`), then by path.
 */
export function collectMigrationFiles(paths: readonly string[], workingDirectory: string): string[] {
  const seen = new Set<string>();
  const files: string[] = [];
  for (const path of paths) {
    const absolute = resolve(workingDirectory, path);
    let kind: 'file' | 'directory';
    try {
      const stats = statSync(absolute);
      if (stats.isDirectory()) kind = 'directory';
      else if (stats.isFile()) kind = 'file';
      else throw new MigrationPathError(`"${path}" is neither a file nor a directory; give .sql files or directories that contain them.`);
    } catch (error) {
      if (error instanceof MigrationPathError) throw error;
      throw new MigrationPathError(`"${path}" does not exist (resolved to ${absolute}); give .sql files or directories that contain them.`);
    }
    const found = kind === 'file' ? [absolute] : sqlFilesUnder(absolute);
    for (const file of found) {
      if (seen.has(file)) continue;
      seen.add(file);
      files.push(file);
    }
  }
  return files;
}

function sqlFilesUnder(directory: string): string[] {
  const found: string[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.toLowerCase().endsWith('.sql')) found.push(path);
    }
  };
  walk(directory);
  // Migration tools order by the version in the file name, wherever the file sits.
  const collator = new Intl.Collator('en', { numeric: true });
  return found.sort((a, b) => collator.compare(basename(a), basename(b)) || collator.compare(relative(directory, a), relative(directory, b)));
}

/** Reads the files; each is named relative to the working directory when it lies below it. */
export function readMigrationSources(files: readonly string[], workingDirectory: string): MigrationSource[] {
  return files.map((file) => ({ file: displayName(file, workingDirectory), sql: readFileSync(file, 'utf8') }));
}

export function displayName(file: string, workingDirectory: string): string {
  const relativePath = relative(workingDirectory, file);
  const outside = relativePath.startsWith('..') || isAbsolute(relativePath);
  return outside ? file : relativePath.split(sep).join('/');
}
