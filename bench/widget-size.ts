import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { REPO_ROOT } from '@voicedesk/testkit';
import { writeResults } from './results-file.ts';

/** What every page that embeds the widget downloads up front, and the call module that follows it. */
const dist = join(REPO_ROOT, 'apps', 'widget', 'dist');
const size = (file: string) => {
  const body = readFileSync(join(dist, file));
  return {
    raw: body.length,
    gzip: gzipSync(body, { level: 9 }).length,
    // What the API sends to browsers that accept brotli (written at build time).
    brotli: readFileSync(join(dist, `${file}.br`)).length,
  };
};
/** The call module's content-hashed name, from the manifest its build wrote. */
const callModule = Object.values(
  JSON.parse(readFileSync(join(dist, 'call-manifest.json'), 'utf8')) as Record<
    string,
    { file: string; isEntry?: boolean }
  >,
).find((chunk) => chunk.isEntry)?.file as string;
const results = { initial: size('widget.js'), callModule: size(callModule), budgetGzip: 15 * 1024 };
const table = [
  '| widget asset | raw bytes | gzip bytes | brotli bytes |',
  '| --- | --- | --- | --- |',
  `| widget.js (initial, budget ${results.budgetGzip} gzip) | ${results.initial.raw} | ${results.initial.gzip} | ${results.initial.brotli} |`,
  `| ${callModule} (loaded once the page is idle, or on the way to the button) | ${results.callModule.raw} | ${results.callModule.gzip} | ${results.callModule.brotli} |`,
].join('\n');
writeResults('widget-size', results, table);
if (results.initial.gzip > results.budgetGzip) {
  console.error('widget.js is over its 15 KB gzip budget');
  process.exit(1);
}
