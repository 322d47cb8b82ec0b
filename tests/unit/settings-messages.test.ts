// Every refusal the settings, users and account pages can show has words in both languages.
import { describe, expect, it } from 'vitest';
import { errorMessage, settingsDictionariesForTests, tSettings } from '../../src/server/settings/messages';
import { settingsErrorCodes } from '../../src/server/settings/settings';
import { userErrorCodes } from '../../src/server/settings/users';

describe('settings messages', () => {
  it('have the same keys in Japanese and English, none blank', () => {
    const { ja, en } = settingsDictionariesForTests;
    expect(Object.keys(en).sort()).toEqual(Object.keys(ja).sort());
    for (const [key, value] of [...Object.entries(ja), ...Object.entries(en)]) expect(value.trim(), key).not.toBe('');
  });

  it('explain every field error code, with ranges filled in', () => {
    for (const locale of ['ja', 'en'] as const) {
      for (const code of [...settingsErrorCodes, ...userErrorCodes]) {
        const text = errorMessage(locale, code, { min: 1, max: 100 });
        expect(text, `${locale} ${code}`).not.toMatch(/^error\.|\{\w+\}/);
      }
    }
    expect(errorMessage('ja', 'outOfRange', { min: 30, max: 3650 })).toBe('30〜3650 の範囲で入力してください。');
    expect(errorMessage('en', 'outOfRange', { min: 1, max: 100 })).toBe('Enter a number from 1 to 100.');
    expect(tSettings('en', 'settings.webhookFromEnv', { masked: 'https://hooks.slack.com/services/T0…/…abcd' })).toContain('Configured by environment');
  });
});
