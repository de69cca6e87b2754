CREATE TABLE `permissions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`model` text NOT NULL,
	`feed_id` integer,
	`group_id` integer,
	`dashboard_id` integer,
	`scope` text NOT NULL,
	`scope_user_id` integer,
	`mode` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`feed_id`) REFERENCES `feeds`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`group_id`) REFERENCES `groups`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`dashboard_id`) REFERENCES `dashboards`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`scope_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `permissions_user_idx` ON `permissions` (`user_id`);--> statement-breakpoint
CREATE INDEX `permissions_feed_idx` ON `permissions` (`feed_id`);--> statement-breakpoint
CREATE INDEX `permissions_group_idx` ON `permissions` (`group_id`);--> statement-breakpoint
CREATE INDEX `permissions_dashboard_idx` ON `permissions` (`dashboard_id`);--> statement-breakpoint
CREATE INDEX `permissions_scope_user_idx` ON `permissions` (`scope_user_id`);