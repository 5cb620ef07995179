"""Search, hashtags (follows, trends) and the nearby timeline."""
