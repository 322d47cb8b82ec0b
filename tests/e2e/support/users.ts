// Users added the way an operator adds them: `ringi user add` (src/cli), against the e2e database or
// a second server's.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { e2eServerEnv, REPO_ROOT } from './env';

const run = promisify(execFile);

export interface NewUser {
  email: string;
  password: string;
  name: string;
}

export async function addUserWithCli(
  user: NewUser,
  options: { role?: 'admin' | 'rep' | 'content'; locale?: 'ja' | 'en'; databasePath?: string; databaseUrl?: string } = {},
): Promise<void> {
  // Without the runner's NODE_OPTIONS (its TypeScript loader): the CLI brings tsx itself.
  const { NODE_OPTIONS: _loader, ...env } = process.env;
  await run(
    process.execPath,
    ['--import', 'tsx', 'src/cli/ringi.ts', 'user', 'add', '--email', user.email, '--role', options.role ?? 'rep', '--name', user.name, '--locale', options.locale ?? 'ja', '--password', user.password],
    {
      cwd: REPO_ROOT,
      env: { ...env, ...e2eServerEnv, ...(options.databasePath ? { DATABASE_PATH: options.databasePath } : {}), ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}) },
    },
  );
}
