CREATE TABLE `document_views` (
	`id` text PRIMARY KEY NOT NULL,
	`visit_id` text NOT NULL,
	`access_link_id` text NOT NULL,
	`room_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`opportunity_id` text NOT NULL,
	`account_id` text NOT NULL,
	`document_slug` text NOT NULL,
	`started_at` integer NOT NULL,
	`last_beacon_at` integer NOT NULL,
	`active_seconds` integer DEFAULT 0 NOT NULL,
	`max_scroll_percent` integer DEFAULT 0 NOT NULL,
	`section_seconds` text DEFAULT '{}' NOT NULL,
	`last_sequence` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`visit_id`) REFERENCES `visits`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`access_link_id`) REFERENCES `access_links`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `document_views_opportunity_idx` ON `document_views` (`opportunity_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `document_views_visit_idx` ON `document_views` (`visit_id`);--> statement-breakpoint
CREATE INDEX `document_views_started_idx` ON `document_views` (`started_at`);--> statement-breakpoint
CREATE TABLE `link_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`access_link_id` text NOT NULL,
	`room_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`opportunity_id` text NOT NULL,
	`account_id` text NOT NULL,
	`kind` text NOT NULL,
	`visit_id` text,
	`view_id` text,
	`document_slug` text,
	`detail` text,
	`occurred_at` integer NOT NULL,
	FOREIGN KEY (`access_link_id`) REFERENCES `access_links`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `link_events_opportunity_idx` ON `link_events` (`opportunity_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `link_events_occurred_idx` ON `link_events` (`occurred_at`);--> statement-breakpoint
CREATE TABLE `opportunity_engagement` (
	`opportunity_id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`visits` integer DEFAULT 0 NOT NULL,
	`devices` integer DEFAULT 0 NOT NULL,
	`new_devices` integer DEFAULT 0 NOT NULL,
	`automated_opens` integer DEFAULT 0 NOT NULL,
	`active_seconds` integer DEFAULT 0 NOT NULL,
	`first_seen_at` integer,
	`last_seen_at` integer
);
--> statement-breakpoint
CREATE INDEX `opportunity_engagement_account_idx` ON `opportunity_engagement` (`account_id`);--> statement-breakpoint
CREATE INDEX `opportunity_engagement_last_seen_idx` ON `opportunity_engagement` (`last_seen_at`);--> statement-breakpoint
CREATE TABLE `reading_totals` (
	`opportunity_id` text NOT NULL,
	`account_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`document_slug` text NOT NULL,
	`views` integer DEFAULT 0 NOT NULL,
	`active_seconds` integer DEFAULT 0 NOT NULL,
	`max_scroll_percent` integer DEFAULT 0 NOT NULL,
	`completed_views` integer DEFAULT 0 NOT NULL,
	`downloads` integer DEFAULT 0 NOT NULL,
	`prints` integer DEFAULT 0 NOT NULL,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	PRIMARY KEY(`opportunity_id`, `contact_id`, `document_slug`)
);
--> statement-breakpoint
CREATE INDEX `reading_totals_account_idx` ON `reading_totals` (`account_id`);--> statement-breakpoint
CREATE INDEX `reading_totals_last_seen_idx` ON `reading_totals` (`last_seen_at`);--> statement-breakpoint
CREATE TABLE `visits` (
	`id` text PRIMARY KEY NOT NULL,
	`access_link_id` text NOT NULL,
	`room_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`opportunity_id` text NOT NULL,
	`account_id` text NOT NULL,
	`device_id` text NOT NULL,
	`new_device` integer DEFAULT false NOT NULL,
	`device_label` text DEFAULT '' NOT NULL,
	`network_hash` text,
	`started_at` integer NOT NULL,
	`last_activity_at` integer NOT NULL,
	FOREIGN KEY (`access_link_id`) REFERENCES `access_links`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `visits_link_device_idx` ON `visits` (`access_link_id`,`device_id`,`last_activity_at`);--> statement-breakpoint
CREATE INDEX `visits_opportunity_idx` ON `visits` (`opportunity_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `visits_started_idx` ON `visits` (`started_at`);