/**
 * Look-alikes for mrkdwn's formatting marks. Slack has no escape for `*bold*`, `_italic_`, `~strike~`
 * or `` `code` `` (a backslash shows as is), so a name like "*URGENT* call" would render bold; these
 * characters look the same to a reader and are never delimiters.
 */
const FORMATTING_LOOKALIKES: Record<string, string> = { '*': '\u2217', _: '\uFF3F', '~': '\u223C', '`': '\u02CB' };

/**
 * Makes text from users (names, titles) inert in Slack mrkdwn: `<…>` would be a link or a mention
 * (`<!channel>`, `<@U…>`) and `&` an entity, so those three are escaped as Slack documents; the
 * formatting marks become look-alikes.
 */
export function escapeMrkdwn(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[*_~`]/g, (mark) => FORMATTING_LOOKALIKES[mark]!);
}

/** A mention of a Slack user id; ids that are not of Slack's shape are dropped, not interpolated. */
export function mentionUser(slackUserId: string | null | undefined): string {
  return slackUserId && /^[UW][A-Z0-9]{2,20}$/.test(slackUserId) ? `<@${slackUserId}>` : '';
}
