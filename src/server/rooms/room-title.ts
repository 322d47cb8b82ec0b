// The room's heading as the buyer reads it. The opportunity name is the rep's internal deal name
// ("テスト商談", "Q3 upsell") and must never reach a prospect page, so the default is built from the
// account name only.
import type { Locale } from '../i18n/format';
import { translate } from '../i18n/messages';

export const MAX_ROOM_TITLE_LENGTH = 120;

/** The rep's title when set, otherwise "<account> 様向け資料" / "Materials for <account>". */
export function roomTitle(title: string | null | undefined, locale: Locale, accountName: string): string {
  const own = title?.trim();
  return own ? own : translate(locale, 'room.title', { account: accountName });
}
