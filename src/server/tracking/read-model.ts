// The aggregate read model of view tracking, for the admin area and Slack: who read what, how much,
// and how hot each opportunity is now.
//
// - Summaries and the hottest list read the running totals (reading_totals, opportunity_engagement):
//   they survive the retention purge of raw rows and stay small at millions of views.
// - The timeline reads the raw rows (visits, document_views, link_events): recent history, one page
//   of visits at a time, with a fixed number of indexed queries per page (no query per visit).
//
// One module per job (engagement-summary.ts, timeline.ts, hottest.ts); this file is their common entry.
export * from './engagement-summary';
export * from './hottest';
export { type ReadModelOptions } from './read-model-support';
export * from './timeline';
