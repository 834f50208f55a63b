// Fails, listing them, when a package in package-lock.json declares an `engines.node` range that
// excludes the oldest Node this project supports (the root package.json's own `engines.node`).
// npm only warns (EBADENGINE) and installs such a package anyway; `npm test` runs this check.
//
//   node scripts/check-engines.mjs [path/to/package-lock.json]
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import semver from 'semver';

const lockPath = process.argv[2] ?? join(import.meta.dirname, '..', 'package-lock.json');
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const root = JSON.parse(readFileSync(join(dirname(lockPath), 'package.json'), 'utf8'));
const supported = root.engines?.node;
const oldest = supported && semver.minVersion(supported);
if (!oldest) {
  console.error(`check-engines: the root package.json has no usable engines.node (${supported})`);
  process.exit(2);
}

/** Which packages in the lockfile depend on `name` (the dependents npm ls would show). */
function dependents(name) {
  return Object.entries(lock.packages)
    .filter(([, p]) => p.dependencies?.[name] || p.optionalDependencies?.[name] || p.peerDependencies?.[name])
    .map(([path, p]) => `${p.name ?? path.replace(/^.*node_modules\//, '') ?? 'root'}@${p.version ?? ''}`);
}

const offenders = [];
for (const [path, pkg] of Object.entries(lock.packages)) {
  if (!path.includes('node_modules/')) continue; // the workspaces themselves
  let range = pkg.engines?.node;
  if (Array.isArray(pkg.engines))
    range = pkg.engines.find((e) => e.startsWith('node'))?.replace(/^node\s*/, '');
  if (typeof range !== 'string' || range.trim() === '') continue;
  const valid = semver.validRange(range);
  if (valid === null || semver.satisfies(oldest, valid)) continue;
  const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
  offenders.push({ name, version: pkg.version, range, dev: Boolean(pkg.dev), by: dependents(name) });
}

if (offenders.length > 0) {
  console.error(
    `check-engines: ${offenders.length} package(s) need a newer Node than ${oldest} (engines.node ${supported}):`,
  );
  for (const o of offenders) {
    const by = o.by.length > 0 ? `, required by ${o.by.join(', ')}` : '';
    console.error(`  ${o.name}@${o.version} engines.node "${o.range}"${o.dev ? ' (dev)' : ''}${by}`);
  }
  process.exit(1);
}
console.log(`check-engines: every package in ${lockPath.split('/').pop()} supports Node ${oldest}`);
