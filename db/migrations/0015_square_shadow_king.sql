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
CREATE INDEX `link_browsers_opportunity_idx` ON `link_browsers` (`opportunity_id`);