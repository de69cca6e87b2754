CREATE TABLE `users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`username` text NOT NULL,
	`name` text,
	`key_hash` text NOT NULL,
	`color` text,
	`time_zone` text DEFAULT 'UTC' NOT NULL,
	`rate_limit` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_idx` ON `users` (`username`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_key_hash_idx` ON `users` (`key_hash`);--> statement-breakpoint
CREATE TABLE `data` (
	`id` text PRIMARY KEY NOT NULL,
	`feed_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`value` text NOT NULL,
	`lat` real,
	`lon` real,
	`ele` real,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`feed_id`) REFERENCES `feeds`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `data_feed_id_idx` ON `data` (`feed_id`,`id`);--> statement-breakpoint
CREATE TABLE `feeds` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`group_id` integer NOT NULL,
	`key` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`license` text,
	`history` integer DEFAULT true NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`visibility` text DEFAULT 'private' NOT NULL,
	`unit_type` text,
	`unit_symbol` text,
	`status_notify` integer DEFAULT false NOT NULL,
	`status_timeout` integer DEFAULT 4320 NOT NULL,
	`last_value` text,
	`last_value_at` integer,
	`data_count` integer DEFAULT 0 NOT NULL,
	`read_pointer` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`group_id`) REFERENCES `groups`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `feeds_user_key_idx` ON `feeds` (`user_id`,`key`);--> statement-breakpoint
CREATE INDEX `feeds_group_idx` ON `feeds` (`group_id`);--> statement-breakpoint
CREATE TABLE `group_feeds` (
	`group_id` integer NOT NULL,
	`feed_id` integer NOT NULL,
	PRIMARY KEY(`group_id`, `feed_id`),
	FOREIGN KEY (`group_id`) REFERENCES `groups`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`feed_id`) REFERENCES `feeds`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `group_feeds_feed_idx` ON `group_feeds` (`feed_id`);--> statement-breakpoint
CREATE TABLE `groups` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`key` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`visibility` text DEFAULT 'private' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `groups_user_key_idx` ON `groups` (`user_id`,`key`);