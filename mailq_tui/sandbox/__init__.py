"""A real, isolated Postfix instance (own config, queue and data directories, loopback only)
for tests and the demo, plus a fake upstream SMTP server and a queue populator."""
