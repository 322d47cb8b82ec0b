import { describe, expect, it } from 'vitest';
import { tAdmin } from '../../src/server/i18n/admin-common';
import { formatDate, formatDateTime, formatJpy, formatNumber } from '../../src/server/i18n/format';
import { dictionariesForTests, messageKeys, translate } from '../../src/server/i18n/messages';

describe('locale formatting', () => {
  const date = new Date('2026-10-01T05:30:00Z'); // 14:30 in Tokyo
  it('formats dates for Japanese and English readers in Japan time', () => {
    expect(formatDate('ja', date)).toBe('2026/10/01');
    expect(formatDate('en', date)).toBe('Oct 1, 2026');
    expect(formatDateTime('ja', date)).toBe('2026/10/01 14:30');
    expect(formatDateTime('en', date)).toMatch(/^Oct 1, 2026, 2:30\sPM$/);
  });
  it('formats yen without decimals', () => {
    expect(formatJpy('ja', 9_600_000)).toBe('￥9,600,000');
    expect(formatJpy('en', 9_600_000)).toBe('¥9,600,000');
    expect(formatJpy('en', 1234.6)).toBe('¥1,235');
  });
  it('groups numbers', () => {
    expect(formatNumber('ja', 1234567)).toBe('1,234,567');
  });
});

describe('messages', () => {
  it('exist in both languages for every key, non-empty', () => {
    for (const key of messageKeys) {
      expect(dictionariesForTests.ja[key], key).toBeTruthy();
      expect(dictionariesForTests.en[key], key).toBeTruthy();
    }
  });
  it('fill placeholders and leave unknown ones visible', () => {
    expect(translate('ja', 'room.readingTime', { minutes: 4 })).toBe('約4分');
    expect(translate('en', 'room.readingTime', { minutes: 4 })).toBe('4 min read');
    expect(translate('en', 'room.title')).toBe('Materials for {account}');
    // A page's `t`: the same messages in one language.
    expect(translate.in('en')('room.readingTime', { minutes: 4 })).toBe('4 min read');
    expect(translate.in('ja')('room.title')).toBe('{account} 様向け資料');
  });
});

describe('punctuation', () => {
  it('is full-width in Japanese and half-width in English', () => {
    expect(tAdmin('ja', 'form.required')).toBe('（必須）');
    expect(tAdmin('en', 'form.required')).toBe(' (required)');
    expect(tAdmin('ja', 'nav.userWithRole', { name: '小林 翔太', role: tAdmin('ja', 'role.rep') })).toBe('小林 翔太（営業担当）');
    expect(tAdmin('en', 'nav.userWithRole', { name: 'Shota Kobayashi', role: tAdmin('en', 'role.rep') })).toBe('Shota Kobayashi (Rep)');
    for (const text of Object.values(dictionariesForTests.en)) expect(text).not.toMatch(/[（）：、。「」]/);
  });
});
