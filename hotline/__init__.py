"""Hartford Public Schools family hotline: multilingual SMS and voice rights information."""
