-- Default numbered pipeline (Salesforce-style), as db/migrations/0001 on SQLite. Labels are editable later; numbers are the identity.
INSERT INTO "pipeline_stages" ("number", "label_ja", "label_en", "outcome") VALUES
  (1, 'アプローチ', 'Prospecting', 'open'),
  (2, 'ニーズ把握', 'Needs analysis', 'open'),
  (3, '提案', 'Proposal', 'open'),
  (4, '稟議中', 'Internal approval', 'open'),
  (5, '価格交渉', 'Negotiation', 'open'),
  (6, '内示', 'Verbal commitment', 'open'),
  (7, '受注', 'Closed won', 'won'),
  (8, '失注', 'Closed lost', 'lost')
ON CONFLICT DO NOTHING;
