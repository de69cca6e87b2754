CREATE TABLE `integrations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`service` text NOT NULL,
	`name` text NOT NULL,
	`location` text,
	`provider` text,
	`settings` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `integrations_user_idx` ON `integrations` (`user_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `integrations_user_service_name_idx` ON `integrations` (`user_id`,`service`,`name`);