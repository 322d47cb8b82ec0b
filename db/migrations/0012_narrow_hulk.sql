CREATE TABLE `job_leases` (
	`name` text PRIMARY KEY NOT NULL,
	`next_run_at` integer NOT NULL,
	`claimed_at` integer,
	`claimed_by` text
);
