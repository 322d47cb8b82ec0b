// Calendar days and wall-clock times in the workspace's time zone. Reps pick days (expiry dates,
// export ranges) and read times as they are in Japan unless RINGI_TIME_ZONE says otherwise.

/** The workspace's time zone: expiry days end at its midnight, CSV times and admin dates are shown in it. */
export function workspaceTimeZone(): string {
  return process.env.RINGI_TIME_ZONE ?? 'Asia/Tokyo';
}

const wallClockFormatters = new Map<string, Intl.DateTimeFormat>();
/** An instant's wall-clock reading in a time zone. */
export function wallClock(instant: Date, timeZone: string): { y: number; m: number; d: number; hh: number; mm: number; ss: number } {
  let formatter = wallClockFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    wallClockFormatters.set(timeZone, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(instant).map((p) => [p.type, p.value]));
  return { y: Number(parts.year), m: Number(parts.month), d: Number(parts.day), hh: Number(parts.hour), mm: Number(parts.minute), ss: Number(parts.second) };
}

/** A calendar date YYYY-MM-DD (what <input type="date"> sends), checked to exist; a year before 2000 is a typo here. */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  return y >= 2000 && y <= 9999 && date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** The calendar day of an instant in a time zone, as YYYY-MM-DD. */
export function calendarDateOf(instant: Date, timeZone = workspaceTimeZone()): string {
  const { y, m, d } = wallClock(instant, timeZone);
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** The instant a calendar day ends in a time zone (midnight starting the next day). */
export function endOfDay(isoDate: string, timeZone = workspaceTimeZone()): Date {
  if (!isCalendarDate(isoDate)) throw new Error(`not a calendar date: ${isoDate}`);
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  const target = Date.UTC(y, m - 1, d + 1);
  const offsetAt = (instant: number) => {
    const w = wallClock(new Date(instant), timeZone);
    return Date.UTC(w.y, w.m - 1, w.d, w.hh, w.mm, w.ss) - instant;
  };
  let result = target - offsetAt(target);
  const corrected = target - offsetAt(result); // across an offset change (DST) the second guess is right
  if (corrected !== result) result = corrected;
  return new Date(result);
}

/** The last day an expiry still lets the link work (the day shown to reps as "until"). */
export function lastValidDay(expiresAt: Date, timeZone = workspaceTimeZone()): string {
  return calendarDateOf(new Date(expiresAt.getTime() - 1), timeZone);
}

/** A calendar date `days` after another. */
export function addDays(isoDate: string, days: number): string {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}
