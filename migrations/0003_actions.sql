CREATE TABLE `actions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`trigger_type` text NOT NULL,
	`feed_id` integer,
	`operator` text,
	`value` text,
	`to_feed_id` integer,
	`schedule` text,
	`action` text NOT NULL,
	`action_feed_id` integer,
	`action_value` text,
	`action_url` text,
	`action_email` text,
	`enabled` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`feed_id`) REFERENCES `feeds`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`to_feed_id`) REFERENCES `feeds`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`action_feed_id`) REFERENCES `feeds`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `actions_user_idx` ON `actions` (`user_id`,`id`);--> statement-breakpoint
CREATE INDEX `actions_feed_idx` ON `actions` (`feed_id`);--> statement-breakpoint
CREATE INDEX `actions_to_feed_idx` ON `actions` (`to_feed_id`);--> statement-breakpoint
CREATE INDEX `actions_action_feed_idx` ON `actions` (`action_feed_id`);--> statement-breakpoint
CREATE TABLE `feed_status_changes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`feed_id` integer NOT NULL,
	`from_status` text NOT NULL,
	`to_status` text NOT NULL,
	`email_sent` integer DEFAULT false NOT NULL,
	`email_sent_to` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`feed_id`) REFERENCES `feeds`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `feed_status_changes_feed_idx` ON `feed_status_changes` (`feed_id`,`id`);--> statement-breakpoint
CREATE INDEX `feed_status_changes_user_idx` ON `feed_status_changes` (`user_id`);