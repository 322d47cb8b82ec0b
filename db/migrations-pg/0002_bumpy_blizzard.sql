CREATE TABLE "job_leases" (
	"name" text PRIMARY KEY NOT NULL,
	"next_run_at" bigint NOT NULL,
	"claimed_at" bigint,
	"claimed_by" text
);
