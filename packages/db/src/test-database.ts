import postgres from 'postgres';

/**
 * Creates (or recreates) a throwaway database on a real server for tests. Refuses any
 * name without `_test`, so a mistyped env var can never drop a real database.
 */
export async function recreateTestDatabase(serverUrl: string, name: string): Promise<string> {
  if (!/^[a-z0-9_]+_test$/.test(name)) {
    throw new Error(`refusing to use database "${name}": test database names must end in _test`);
  }
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropTestDatabase(serverUrl: string, name: string): Promise<void> {
  if (!name.endsWith('_test')) throw new Error(`refusing to drop "${name}"`);
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
  } finally {
    await admin.end({ timeout: 5 });
  }
}
