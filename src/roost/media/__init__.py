"""Photos and videos: uploads, their processing in workers, attachments to statuses."""
