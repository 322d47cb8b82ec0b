// The numbered pipeline: default stages from the migration, labels per locale.
import { describe, expect, it } from 'vitest';
import { pipelineStages } from '../../src/server/db/tables';
import { getStage, listStages, opportunityStageDisplay, stageDisplay, stageExists, stageLabel } from '../../src/server/crm/stages';
import { channelLabel, salesCycleLabel, tCrm } from '../../src/server/crm/messages';
import { channels } from '../../src/server/db/tables';
import { useTempDatabase } from './support/temp-db';

const db = useTempDatabase();

describe('pipeline stages', () => {
  it('come numbered 1–8 with Japanese and English defaults and outcomes', async () => {
    const stages = await listStages(db);
    expect(stages.map((s) => s.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(stages.filter((s) => s.outcome !== 'open').map((s) => [s.number, s.outcome])).toEqual([
      [7, 'won'],
      [8, 'lost'],
    ]);
  });

  it('give a label for the locale', async () => {
    const proposal = (await getStage(db, 3))!;
    expect(stageLabel(proposal, 'ja')).toBe('提案');
    expect(stageLabel(proposal, 'en')).toBe('Proposal');
    expect(stageDisplay(proposal, 'ja')).toBe('3. 提案');
    expect(stageDisplay((await getStage(db, 7))!, 'en')).toBe('7. Closed won');
    const opportunityRow = { stage: 3, stageLabelJa: '提案', stageLabelEn: ' ' };
    expect(opportunityStageDisplay(opportunityRow, 'ja')).toBe('3. 提案');
    expect(opportunityStageDisplay(opportunityRow, 'en')).toBe('3. 提案'); // blank English label: the Japanese one
  });

  it('fall back to the other language when a label is blank, and follow renames', async () => {
    await db.insert(pipelineStages).values({ number: 9, labelJa: '保留', labelEn: ' ', outcome: 'open' });
    expect(stageLabel((await getStage(db, 9))!, 'en')).toBe('保留');
    expect(await stageExists(db, 9)).toBe(true);
    expect(await stageExists(db, 10)).toBe(false);
    expect(await getStage(db, 1.5)).toBeNull();
  });
});

describe('CRM labels', () => {
  it('name every channel in Japanese and English', () => {
    expect(channels.map((c) => channelLabel('ja', c))).toEqual(['自然検索', '紹介', 'SNS', 'メール', '広告', '展示会・イベント', 'パートナー', 'アウトバウンド']);
    for (const c of channels) expect(channelLabel('en', c)).toMatch(/^[A-Z]/);
    expect(salesCycleLabel('ja', 'long')).toBe('長期（ナーチャリング）');
    expect(tCrm('en', 'list.count', { from: 1, to: 50, total: 120 })).toBe('1–50 of 120');
  });
});
