import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { REPO_ROOT } from '@voicedesk/testkit';
import { writeResults } from './results-file.ts';

/** What every page that embeds the widget downloads up front, and what a call adds. */
const dist = join(REPO_ROOT, 'apps', 'widget', 'dist');
const size = (file: string) => {
  const body = readFileSync(join(dist, file));
  return { raw: body.length, gzip: gzipSync(body, { level: 9 }).length };
};
const results = { initial: size('widget.js'), onPress: size('voicedesk-call.js'), budgetGzip: 15 * 1024 };
const table = [
  '| widget asset | raw bytes | gzip bytes |',
  '| --- | --- | --- |',
  `| widget.js (initial, budget ${results.budgetGzip} gzip) | ${results.initial.raw} | ${results.initial.gzip} |`,
  `| voicedesk-call.js (loaded on press) | ${results.onPress.raw} | ${results.onPress.gzip} |`,
].join('\n');
writeResults('widget-size', results, table);
if (results.initial.gzip > results.budgetGzip) {
  console.error('widget.js is over its 15 KB gzip budget');
  process.exit(1);
}
