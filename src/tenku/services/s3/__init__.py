"""S3: buckets, objects (versioned), multipart uploads, listings, configurations,
lifecycle expiry and durable event notifications."""
