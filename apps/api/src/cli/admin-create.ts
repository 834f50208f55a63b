import { parseArgs } from 'node:util';
import { openDatabase } from '@voicedesk/db';
import { z } from 'zod';
import { createAdminAccount } from '../services/staff/admin-account.ts';
import { inviteUrl } from '../services/staff/invites.ts';
import { hashPassword } from '../services/staff/passwords.ts';

/**
 * npm run admin:create -- --email ann@example.com --name "Ann" [--password-stdin]
 *
 * Works on the database directly (DATABASE_URL, else the embedded one under DATA_DIR): it asks
 * nothing, and prints a one-time sign-in link unless a password comes on stdin. With the
 * embedded database, run it while the API is stopped (PGlite has one process at a time).
 */
const usage = 'usage: npm run admin:create -- --email <email> --name <name> [--password-stdin]';

function fail(message: string): never {
  console.error(`admin:create: ${message}\n${usage}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    email: { type: 'string' },
    name: { type: 'string' },
    'password-stdin': { type: 'boolean', default: false },
  },
  strict: true,
});
const email = z.email().safeParse(values.email?.trim());
if (!email.success) fail('--email must be an email address');
const name = values.name?.trim();
if (!name) fail('--name is required');

let passwordHash: string | null = null;
if (values['password-stdin']) {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (password.length < 12) fail('the password on stdin must be at least 12 characters');
  passwordHash = await hashPassword(password);
}

const env = process.env;
const database = await openDatabase(
  env.DATABASE_URL
    ? { kind: 'postgres', url: env.DATABASE_URL }
    : { kind: 'pglite', dataDir: `${env.DATA_DIR ?? '.data'}/pglite` },
  { maxConnections: 1 },
);
try {
  await database.migrate();
  const result = await createAdminAccount(database.db, { email: email.data, name, passwordHash }, new Date());
  const base = env.PUBLIC_BASE_URL ?? `http://localhost:${env.PORT ?? 3000}`;
  console.log(`${result.existed ? 'Updated' : 'Created'} admin ${email.data.toLowerCase()}.`);
  if (result.inviteToken) {
    console.log(
      `Open this link within 7 days to choose a password (it works once):\n  ${inviteUrl(base, result.inviteToken)}`,
    );
  } else {
    console.log(`Sign in at ${base}/app`);
  }
} finally {
  await database.close();
}
