CREATE TABLE `mqtt_session_queue` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`session_id` integer NOT NULL,
	`cmd` text NOT NULL,
	`topic` text,
	`payload` blob,
	`qos` integer DEFAULT 0 NOT NULL,
	`retain` integer DEFAULT false NOT NULL,
	`dup` integer DEFAULT false NOT NULL,
	`message_id` integer,
	`broker_id` text,
	`broker_counter` integer,
	FOREIGN KEY (`session_id`) REFERENCES `mqtt_sessions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `mqtt_session_queue_session_idx` ON `mqtt_session_queue` (`session_id`,`id`);--> statement-breakpoint
CREATE TABLE `mqtt_session_subs` (
	`session_id` integer NOT NULL,
	`topic` text NOT NULL,
	`qos` integer NOT NULL,
	`options` text,
	PRIMARY KEY(`session_id`, `topic`),
	FOREIGN KEY (`session_id`) REFERENCES `mqtt_sessions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `mqtt_session_subs_topic_idx` ON `mqtt_session_subs` (`topic`);--> statement-breakpoint
CREATE TABLE `mqtt_sessions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`client_id` text NOT NULL,
	`user_id` integer NOT NULL,
	`last_seen` integer NOT NULL,
	`queued` integer DEFAULT 0 NOT NULL,
	`dropped` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `mqtt_sessions_client_idx` ON `mqtt_sessions` (`client_id`);--> statement-breakpoint
CREATE INDEX `mqtt_sessions_user_idx` ON `mqtt_sessions` (`user_id`);--> statement-breakpoint
CREATE INDEX `mqtt_sessions_seen_idx` ON `mqtt_sessions` (`last_seen`);