// Vitest's 5 s per test suits tests of logic. A few tests do work that is slow by nature, many times
// over: argon2id with the production parameters (src/server/auth/passwords.ts: 19 MiB, 2 passes, about
// 0.1 s of one core per hash or check, several times that on a loaded machine; the parameters are the
// point of it, so tests keep them), or the whole Markdown pipeline over every shipped document. Such a
// test says so with this option, instead of a raise for every test, so a test that hangs elsewhere
// still fails within 5 s. 120 s is the PostgreSQL project's own limit (vitest.config.ts), not lowered.
export const SLOW_BY_NATURE = { timeout: 120_000 } as const;
