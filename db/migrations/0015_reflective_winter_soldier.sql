CREATE TABLE `document_performance` (
	`document_slug` text NOT NULL,
	`stage` integer NOT NULL,
	`channel` text NOT NULL,
	`owner_user_id` text NOT NULL,
	`views` integer DEFAULT 0 NOT NULL,
	`active_seconds` integer DEFAULT 0 NOT NULL,
	`completed_views` integer DEFAULT 0 NOT NULL,
	`rooms` integer DEFAULT 0 NOT NULL,
	`rooms_read` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`document_slug`, `stage`, `channel`, `owner_user_id`)
);
--> statement-breakpoint
CREATE TABLE `opportunity_documents` (
	`opportunity_id` text NOT NULL,
	`document_slug` text NOT NULL,
	`views` integer DEFAULT 0 NOT NULL,
	`active_seconds` integer DEFAULT 0 NOT NULL,
	`completed_views` integer DEFAULT 0 NOT NULL,
	`offered` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`opportunity_id`, `document_slug`)
);
--> statement-breakpoint
ALTER TABLE `opportunity_engagement` ADD `stage` integer;--> statement-breakpoint
ALTER TABLE `opportunity_engagement` ADD `channel` text;--> statement-breakpoint
ALTER TABLE `opportunity_engagement` ADD `owner_user_id` text;--> statement-breakpoint
ALTER TABLE `opportunity_engagement` ADD `archived` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `opportunity_engagement` ADD `contacts_reading` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `opportunity_engagement` ADD `browser_readers` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `opportunity_engagement` ADD `possible_readers` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `opportunity_engagement` ADD `documents_read` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `opportunity_engagement` ADD `key_documents_read` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `opportunity_engagement` ADD `documents_in_room` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `opportunity_engagement` ADD `completed_views` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `opportunity_engagement` ADD `downloads` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `opportunity_engagement` ADD `prints` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `opportunity_engagement` ADD `score_base` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `opportunity_engagement` ADD `hot_key` real;--> statement-breakpoint
ALTER TABLE `opportunity_engagement` ADD `unread_share_at` integer;--> statement-breakpoint
CREATE INDEX `opportunity_engagement_hot_idx` ON `opportunity_engagement` (`hot_key`);--> statement-breakpoint
CREATE INDEX `opportunity_engagement_channel_hot_idx` ON `opportunity_engagement` (`channel`,`hot_key`);--> statement-breakpoint
CREATE INDEX `opportunity_engagement_stage_hot_idx` ON `opportunity_engagement` (`stage`,`hot_key`);--> statement-breakpoint
CREATE INDEX `opportunity_engagement_owner_hot_idx` ON `opportunity_engagement` (`owner_user_id`,`hot_key`);--> statement-breakpoint
CREATE INDEX `opportunity_engagement_unread_share_idx` ON `opportunity_engagement` (`unread_share_at`);