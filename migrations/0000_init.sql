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
CREATE UNIQUE INDEX `groups_user_key_idx` ON `groups` (`user_id`,`key`);--> statement-breakpoint
CREATE TABLE `block_feeds` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`block_id` integer NOT NULL,
	`feed_id` integer NOT NULL,
	`group_id` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`block_id`) REFERENCES `blocks`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`feed_id`) REFERENCES `feeds`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`group_id`) REFERENCES `groups`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `block_feeds_block_idx` ON `block_feeds` (`block_id`);--> statement-breakpoint
CREATE INDEX `block_feeds_feed_idx` ON `block_feeds` (`feed_id`);--> statement-breakpoint
CREATE TABLE `blocks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`dashboard_id` integer NOT NULL,
	`name` text,
	`description` text,
	`visual_type` text NOT NULL,
	`grid_column` integer,
	`grid_row` integer,
	`size_x` integer DEFAULT 4 NOT NULL,
	`size_y` integer DEFAULT 4 NOT NULL,
	`properties` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`dashboard_id`) REFERENCES `dashboards`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `blocks_dashboard_idx` ON `blocks` (`dashboard_id`,`id`);--> statement-breakpoint
CREATE TABLE `dashboards` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`key` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`visibility` text DEFAULT 'private' NOT NULL,
	`show_header` integer DEFAULT false NOT NULL,
	`header_image_url` text,
	`color_mode` text DEFAULT 'dark' NOT NULL,
	`block_borders` integer DEFAULT true NOT NULL,
	`allow_overlap` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dashboards_user_key_idx` ON `dashboards` (`user_id`,`key`);--> statement-breakpoint
CREATE TABLE `layouts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`dashboard_id` integer NOT NULL,
	`block_id` integer NOT NULL,
	`breakpoint` text NOT NULL,
	`position` integer NOT NULL,
	`x` integer NOT NULL,
	`y` integer NOT NULL,
	`w` integer NOT NULL,
	`h` integer NOT NULL,
	`z` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`dashboard_id`) REFERENCES `dashboards`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`block_id`) REFERENCES `blocks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `layouts_block_breakpoint_idx` ON `layouts` (`block_id`,`breakpoint`);--> statement-breakpoint
CREATE INDEX `layouts_dashboard_idx` ON `layouts` (`dashboard_id`,`breakpoint`,`position`);--> statement-breakpoint
CREATE TABLE `chart_blocks` (
	`feed_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`span` integer NOT NULL,
	`block` integer NOT NULL,
	`stats` blob NOT NULL,
	`lasts` text NOT NULL,
	PRIMARY KEY(`feed_id`, `span`, `block`),
	FOREIGN KEY (`feed_id`) REFERENCES `feeds`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `chart_progress` (
	`feed_id` integer PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`folded_id` text NOT NULL,
	`folded_n` integer NOT NULL,
	FOREIGN KEY (`feed_id`) REFERENCES `feeds`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `webhook_receivers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`feed_id` integer NOT NULL,
	`kind` text DEFAULT 'data' NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`feed_id`) REFERENCES `feeds`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_receivers_token_hash_idx` ON `webhook_receivers` (`token_hash`);--> statement-breakpoint
CREATE INDEX `webhook_receivers_feed_idx` ON `webhook_receivers` (`feed_id`);--> statement-breakpoint
CREATE INDEX `webhook_receivers_user_idx` ON `webhook_receivers` (`user_id`);--> statement-breakpoint
CREATE TABLE `tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`feed_id` integer,
	`secret_hash` text NOT NULL,
	`readable` integer DEFAULT true NOT NULL,
	`createable` integer DEFAULT true NOT NULL,
	`updateable` integer DEFAULT true NOT NULL,
	`deleteable` integer DEFAULT true NOT NULL,
	`expiration` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`feed_id`) REFERENCES `feeds`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tokens_secret_hash_idx` ON `tokens` (`secret_hash`);--> statement-breakpoint
CREATE INDEX `tokens_user_idx` ON `tokens` (`user_id`);--> statement-breakpoint
CREATE INDEX `tokens_feed_idx` ON `tokens` (`feed_id`);--> statement-breakpoint
CREATE TABLE `activities` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`action` text NOT NULL,
	`model` text NOT NULL,
	`data` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `activities_user_idx` ON `activities` (`user_id`,`id`);