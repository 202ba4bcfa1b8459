"""What people read: terminal tables, CSV, Markdown, the network page and pictures."""
