"""Privacy notices for health organizations: the model, the build and the server share this package."""
