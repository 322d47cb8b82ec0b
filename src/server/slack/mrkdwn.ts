/**
 * Escapes text for Slack mrkdwn. Slack reads `<…>` as links and mentions (`<!channel>`, `<@U…>`) and
 * `&` starts an entity; escaping these three makes any account or contact name inert text.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A mention of a Slack user id; ids that are not of Slack's shape are dropped, not interpolated. */
export function mentionUser(slackUserId: string | null | undefined): string {
  return slackUserId && /^[UW][A-Z0-9]{2,20}$/.test(slackUserId) ? `<@${slackUserId}>` : '';
}
