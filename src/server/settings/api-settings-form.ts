// The forms of the API and webhooks page (/admin/settings/api, admins only), each POSTed back with an
// `_action` through the admin form pipeline (http/admin-form.ts). A new token or endpoint secret is
// shown once, in the answer to its POST (never in a URL); a revoke, remove or resend redirects back
// with a notice, so a reload does not post it again; a refused form comes back with its errors.
import { z } from 'zod';
import { createApiToken, revokeApiToken } from '../api/tokens';
import type { Actor } from '../auth/permissions';
import type { RingiDb } from '../db/client';
import type { FormOutcome } from '../http/admin-form';
import type { PostedForm } from '../http/forms';
import type { Locale } from '../i18n/format';
import { defineMessages } from '../i18n/messages';
import type { SecretKey } from '../security/secret-box';
import { createWebhookEndpoint, disableWebhookEndpoint } from '../webhooks/endpoints';
import { resendDelivery } from '../webhooks/outbox';

export const tApiSettings = defineMessages({
  ja: {
    title: 'API と Webhook',
    lead: 'CRM 連携用の API トークンと、閲覧イベントを送る Webhook（Standard Webhooks 形式の署名付き）を管理します。',
    tokens: 'API トークン', tokenName: '名前', scope: '権限', 'scope.read': '読み取り', 'scope.write': '読み書き',
    created: '作成', lastUsed: '最終使用', never: '未使用', status: '状態', createdBy: '作成者',
    'state.active': '有効', 'state.revoked': '無効化済み', 'state.inactive': '作成者が無効',
    createToken: 'トークンを作成', revoke: '無効化', noTokens: 'トークンはまだありません。',
    tokenOnce: 'このトークンは今だけ表示されます。安全な場所に保存してください。', tokenRevoked: 'トークンを無効化しました。',
    endpoints: 'Webhook エンドポイント', url: 'URL', events: 'イベント', addEndpoint: 'エンドポイントを追加', remove: '削除',
    noEndpoints: 'エンドポイントはまだありません。', secretOnce: '署名シークレットは今だけ表示されます。受信側に設定してください。', endpointRemoved: 'エンドポイントを削除しました。',
    deliveries: '配信状況', event: 'イベント', attempts: '試行', error: 'エラー', sent: '送信', resend: '再送', resent: '再送を予約しました。', noDeliveries: '配信はまだありません。',
    'status.pending': '待機中', 'status.sending': '送信中', 'status.sent': '送信済み', 'status.failed': '失敗', 'status.skipped': 'スキップ',
    required: '入力してください。', tooLong: '長すぎます。', invalidChoice: '選択してください。', invalid: '送信内容を確認してください。',
  },
  en: {
    title: 'API and webhooks',
    lead: 'API tokens for CRM integrations, and webhooks that send reading events (signed per Standard Webhooks).',
    tokens: 'API tokens', tokenName: 'Name', scope: 'Scope', 'scope.read': 'Read', 'scope.write': 'Read and write',
    created: 'Created', lastUsed: 'Last used', never: 'Never', status: 'Status', createdBy: 'Created by',
    'state.active': 'Active', 'state.revoked': 'Revoked', 'state.inactive': 'Creator inactive',
    createToken: 'Create token', revoke: 'Revoke', noTokens: 'No tokens yet.',
    tokenOnce: 'This token is shown only now. Store it somewhere safe.', tokenRevoked: 'Token revoked.',
    endpoints: 'Webhook endpoints', url: 'URL', events: 'Events', addEndpoint: 'Add endpoint', remove: 'Remove',
    noEndpoints: 'No endpoints yet.', secretOnce: 'The signing secret is shown only now. Configure it at the receiver.', endpointRemoved: 'Endpoint removed.',
    deliveries: 'Deliveries', event: 'Event', attempts: 'Attempts', error: 'Error', sent: 'Sent', resend: 'Resend', resent: 'Queued for resending.', noDeliveries: 'No deliveries yet.',
    'status.pending': 'Pending', 'status.sending': 'Sending', 'status.sent': 'Sent', 'status.failed': 'Failed', 'status.skipped': 'Skipped',
    required: 'Required.', tooLong: 'Too long.', invalidChoice: 'Choose one.', invalid: 'Please check what you sent.',
  },
});
export type ApiSettingsKey = Parameters<typeof tApiSettings>[1];

const notices = ['tokenRevoked', 'endpointRemoved', 'resent'] as const;
type Notice = (typeof notices)[number];

/** What the page shows after a POST: a token or secret once, or the refused form with its errors. */
export type ApiSettingsAnswer =
  | { shown: 'token'; token: string }
  | { shown: 'secret'; secret: string }
  | { refused: 'token'; fieldErrors: Partial<Record<'name' | 'scope', string>>; submitted: Record<string, string> }
  | { refused: 'endpoint'; field: 'url' | 'events'; message: string; submitted: Record<string, string>; events: string[] };

const noticed = (notice: Notice, section: string) => ({ ok: true, redirect: `/admin/settings/api?saved=${notice}#${section}` }) as const;

/** Parse and act for one posted form of the page (which runs it through handleAdminForm). */
export async function submitApiSettingsForm(db: RingiDb, key: SecretKey, user: Actor, form: PostedForm, now = new Date()): Promise<FormOutcome<ApiSettingsAnswer>> {
  const { fields } = form;
  const id = z.string().min(1).max(100).safeParse(fields.id);
  switch (fields._action) {
    case 'token-create': {
      const created = await createApiToken(db, user, { name: fields.name ?? '', scope: fields.scope ?? '' });
      if (created.ok) return { ok: true, show: { shown: 'token', token: created.value.token } };
      if (created.reason === 'invalid') return { ok: false, reason: 'invalid', failed: { refused: 'token', fieldErrors: created.fieldErrors, submitted: fields } };
      return { ok: false, reason: created.reason };
    }
    case 'token-revoke': {
      const revoked = id.success ? await revokeApiToken(db, user, id.data, now) : false;
      return revoked === true ? noticed('tokenRevoked', 'tokens') : { ok: false, reason: revoked || 'not_found' };
    }
    case 'endpoint-create': {
      const events = form.lists.events ?? [];
      const created = await createWebhookEndpoint(db, key, user, { url: fields.url ?? '', events });
      if (created.ok) return { ok: true, show: { shown: 'secret', secret: created.value.secret } };
      if (created.reason === 'invalid') return { ok: false, reason: 'invalid', failed: { refused: 'endpoint', field: created.field, message: created.message, submitted: fields, events } };
      return { ok: false, reason: created.reason };
    }
    case 'endpoint-remove': {
      const removed = id.success ? await disableWebhookEndpoint(db, user, id.data, now) : ({ ok: false, reason: 'not_found' } as const);
      return removed.ok ? noticed('endpointRemoved', 'endpoints') : { ok: false, reason: removed.reason === 'invalid' ? 'bad_request' : removed.reason };
    }
    case 'delivery-resend': {
      const deliveryId = z.coerce.number().int().positive().safeParse(fields.id);
      return deliveryId.success && (await resendDelivery(db, deliveryId.data, now)) ? noticed('resent', 'deliveries') : { ok: false, reason: 'not_found' };
    }
    default:
      return { ok: false, reason: 'bad_request' };
  }
}

/** What the page's forms show, from the POST's answer (if any) and the notice of the redirect that led here. */
export function apiSettingsView(locale: Locale, answer: ApiSettingsAnswer | null, savedParam: string | null) {
  const tokenForm = answer && 'refused' in answer && answer.refused === 'token' ? answer : null;
  const endpointForm = answer && 'refused' in answer && answer.refused === 'endpoint' ? answer : null;
  return {
    shownToken: answer && 'shown' in answer && answer.shown === 'token' ? answer.token : null,
    shownSecret: answer && 'shown' in answer && answer.shown === 'secret' ? answer.secret : null,
    notice: !answer && (notices as readonly string[]).includes(savedParam ?? '') ? (savedParam as Notice) : null,
    /** The message of a refused token field (zod's messages are keys of tApiSettings). */
    tokenError: (field: 'name' | 'scope'): string | undefined => {
      const code = tokenForm?.fieldErrors[field];
      if (code === undefined) return undefined;
      return tApiSettings(locale, ['required', 'tooLong', 'invalidChoice'].includes(code) ? (code as ApiSettingsKey) : 'invalid');
    },
    tokenSubmitted: tokenForm?.submitted ?? {},
    endpointError: endpointForm ? { field: endpointForm.field, message: endpointForm.message } : null,
    endpointSubmitted: endpointForm?.submitted ?? {},
    /** The events ticked in a refused endpoint form (none otherwise). */
    endpointEvents: endpointForm?.events ?? [],
  };
}
