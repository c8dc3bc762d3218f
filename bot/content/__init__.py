"""What the bot says: the sourced facts file, regions and age bands, and the content lint."""
