ALTER TABLE `users` ADD `max_feeds` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `max_groups` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `max_dashboards` integer;