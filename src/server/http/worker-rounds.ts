// The loop of the in-process workers (Slack alerts, webhooks): a round every `intervalMs`, never two
// at once, each told when the previous successful one began; the first looks back a day, so a restart
// catches up. Errors are logged (without secrets) and the loop goes on.
export interface RoundLoop {
  stop: () => Promise<void>;
}

export function startRounds(name: string, now: () => Date, round: (since: Date) => Promise<unknown>, intervalMs: number, overlapMs = 0): RoundLoop {
  let since = new Date(now().getTime() - 24 * 60 * 60 * 1000);
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const timer = setInterval(() => {
    if (running || stopped) return;
    const roundStart = now();
    running = round(since)
      .then(() => {
        since = new Date(roundStart.getTime() - overlapMs);
      })
      .catch((error: unknown) => console.error(`${name}:`, error instanceof Error ? error.message : 'failed'))
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
