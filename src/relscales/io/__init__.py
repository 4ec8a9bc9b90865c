"""Reading response data and writing results."""
