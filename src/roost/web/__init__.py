"""What Roost serves to browsers besides the API: for now its static files."""
