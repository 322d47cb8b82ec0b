CREATE INDEX `document_views_last_beacon_idx` ON `document_views` (`last_beacon_at`);--> statement-breakpoint
CREATE INDEX `reading_totals_document_idx` ON `reading_totals` (`opportunity_id`,`document_slug`,`views`,`active_seconds`,`completed_views`);--> statement-breakpoint
CREATE INDEX `visits_last_activity_idx` ON `visits` (`last_activity_at`);