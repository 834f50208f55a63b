import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@voicedesk/testkit';

/** Writes `bench/results/<name>.json` and `<name>.md` and prints the table. */
export function writeResults(name: string, results: unknown, table: string): void {
  const dir = join(REPO_ROOT, 'bench', 'results');
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(dir, `${name}.md`), `${table}\n`);
  console.log(table);
}
