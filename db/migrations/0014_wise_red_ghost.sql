CREATE TABLE `approval_decisions` (
	`opportunity_id` text NOT NULL,
	`suggestion_key` text NOT NULL,
	`decision` text NOT NULL,
	`decided_by_user_id` text,
	`decided_at` integer NOT NULL,
	PRIMARY KEY(`opportunity_id`, `suggestion_key`),
	FOREIGN KEY (`opportunity_id`) REFERENCES `opportunities`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`decided_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `link_browsers` (
	`access_link_id` text NOT NULL,
	`device_id` text NOT NULL,
	`opportunity_id` text NOT NULL,
	`contact_id` text,
	`distinct_reader` integer DEFAULT false NOT NULL,
	`first_seen_at` integer NOT NULL,
	`named_by_user_id` text,
	`named_at` integer,
	PRIMARY KEY(`access_link_id`, `device_id`),
	FOREIGN KEY (`access_link_id`) REFERENCES `access_links`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`named_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `link_browsers_opportunity_idx` ON `link_browsers` (`opportunity_id`);--> statement-breakpoint
CREATE TABLE `opportunity_stage_changes` (
	`id` text PRIMARY KEY NOT NULL,
	`opportunity_id` text NOT NULL,
	`from_stage` integer,
	`to_stage` integer NOT NULL,
	`from_stage_since` integer,
	`reason` text NOT NULL,
	`changed_by_user_id` text,
	`suggestion_key` text,
	`changed_at` integer NOT NULL,
	FOREIGN KEY (`opportunity_id`) REFERENCES `opportunities`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`changed_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `opportunity_stage_changes_opportunity_idx` ON `opportunity_stage_changes` (`opportunity_id`,`changed_at`);--> statement-breakpoint
ALTER TABLE `opportunities` ADD `hand_off_owner_user_id` text REFERENCES users(id);--> statement-breakpoint
ALTER TABLE `opportunities` ADD `handed_off_at` integer;--> statement-breakpoint
ALTER TABLE `opportunities` ADD `handed_off_by_user_id` text REFERENCES users(id);--> statement-breakpoint
ALTER TABLE `opportunities` ADD `hand_off_reason` text;