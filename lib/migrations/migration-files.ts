import { readdirSync, readFileSync, Stats, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
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
    const absolute = isResolved(path) ? path : resolve(workingDirectory, path);
    let kind: 'file' | 'directory';
    let stats: Stats | undefined;
    try {
      stats = statSync(absolute, { throwIfNoEntry: false });
    } catch {
      stats = undefined;
    }
    if (stats === undefined) {
      throw new MigrationPathError(`"${path}" does not exist (resolved to ${absolute}); give .sql files or directories that contain them.`);
    }
    if (stats.isDirectory()) kind = 'directory';
    else if (stats.isFile()) kind = 'file';
    else throw new MigrationPathError(`"${path}" is neither a file nor a directory; give .sql files or directories that contain them.`);
    const found = kind === 'file' ? [absolute] : sqlFilesUnder(absolute);
    for (const file of found) {
      if (seen.has(file)) continue;
      seen.add(file);
      files.push(file);
    }
  }
  return files;
}

// A shell glob or a tool usually passes absolute, normalised paths (thousands of them for a large
// migration set): path.resolve would return them unchanged, at a cost per path that adds up.
function isResolved(path: string): boolean {
  return sep === '/' && path.startsWith('/') && path.length > 1 && !path.endsWith('/')
    && !path.includes('//') && !path.includes('/./') && !path.includes('/../') && !path.endsWith('/.') && !path.endsWith('/..');
}

function sqlFilesUnder(directory: string): string[] {
  // Paths are built by concatenation during the walk: `directory` is already resolved (normalised) and
  // an entry name holds no separator, so path.join's normalisation of every path would find nothing to
  // do. The path relative to `directory` is a sort key.
  const found: Array<{ path: string; name: string; relativePath: string }> = [];
  const walk = (current: string, relativeDirectory: string): void => {
    const prefix = current.endsWith(sep) ? current : `${current}${sep}`;
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = `${prefix}${entry.name}`;
      const relativePath = relativeDirectory === '' ? entry.name : `${relativeDirectory}${sep}${entry.name}`;
      if (entry.isDirectory()) walk(path, relativePath);
      else if (entry.isFile() && entry.name.toLowerCase().endsWith('.sql')) found.push({ path, name: entry.name, relativePath });
    }
  };
  walk(directory, '');
  // Migration tools order by the version in the file name, wherever the file sits.
  const collator = new Intl.Collator('en', { numeric: true });
  return found
    .sort((a, b) => collator.compare(a.name, b.name) || collator.compare(a.relativePath, b.relativePath))
    .map((file) => file.path);
}

/** A migration file that exists but cannot be read. */
export class MigrationReadError extends Error {}

/**
 * Reads the files in order; each is named relative to the working directory when it lies below it.
 * The first one that cannot be read stops the reading with its name (MigrationReadError).
 */
export function readMigrationSources(files: readonly string[], workingDirectory: string): MigrationSource[] {
  return files.map((file) => {
    const name = displayName(file, workingDirectory);
    try {
      return { file: name, sql: readFileSync(file, 'utf8') };
    } catch (error) {
      // Not `instanceof Error`: errors from Node.js may come from another realm (as under jest).
      const message = (error as { message?: unknown } | undefined)?.message;
      const cause = typeof message === 'string' ? message : String(error);
      throw new MigrationReadError(`cannot read "${name}" (${cause}); make sure the file is readable, or leave it out.`);
    }
  });
}

export function displayName(file: string, workingDirectory: string): string {
  // A file below the working directory usually starts with it: then the rest of its path is the
  // answer, without path.relative's general case (once per file adds up). Anything path.relative
  // would normalise (`.`, `..`, doubled separators) takes the general case.
  const prefix = workingDirectory.endsWith(sep) ? workingDirectory : `${workingDirectory}${sep}`;
  const rest = file.startsWith(prefix) ? file.slice(prefix.length) : '';
  if (rest !== '' && isAbsolute(workingDirectory) && !rest.startsWith('.') && !rest.startsWith(sep)
    && !rest.includes(`${sep}.`) && !rest.includes(`${sep}${sep}`)) {
    return sep === '/' ? rest : rest.split(sep).join('/');
  }
  // A resolved absolute path outside the working directory (a temporary or shared folder) is shown
  // as it is: path.relative would climb out with `..` and the answer would be the path itself.
  if (rest === '' && file !== workingDirectory && isResolved(file) && isResolved(workingDirectory)) return file;
  const relativePath = relative(workingDirectory, file);
  const outside = relativePath.startsWith('..') || isAbsolute(relativePath);
  return outside ? file : relativePath.split(sep).join('/');
}
