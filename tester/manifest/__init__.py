"""The course manifest: `models` says what each key means, `load` reads a file into a validated Course."""
