import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type postgres from 'postgres';

/** One value in COPY's text format: \N for null, backslash escapes for the characters it reserves. */
export function copyValue(value: string | number | boolean | null): string {
  if (value === null) return '\\N';
  if (typeof value !== 'string') return String(value);
  return value.replace(
    /[\\\t\n\r]/g,
    (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c] as string,
  );
}

export const copyLine = (values: (string | number | boolean | null)[]) =>
  `${values.map(copyValue).join('\t')}\n`;

/** Lines are gathered into chunks of about this size before they are written. */
const CHUNK_CHARS = 1 << 20;

/** A COPY ... FROM STDIN that takes lines, respects backpressure and counts rows. */
export class CopyStream {
  rows = 0;
  private buffer = '';
  private constructor(private readonly stream: Writable) {}

  static async open(sql: postgres.Sql, table: string, columns: string[]): Promise<CopyStream> {
    const stream = await sql.unsafe(`copy ${table} (${columns.join(', ')}) from stdin`).writable();
    return new CopyStream(stream);
  }

  async push(line: string): Promise<void> {
    this.rows++;
    this.buffer += line;
    if (this.buffer.length >= CHUNK_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.buffer) return;
    const chunk = this.buffer;
    this.buffer = '';
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await finished(this.stream);
  }
}
