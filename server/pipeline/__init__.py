"""The pipeline: project files in, a validated, reasoned build out. Never imports Flask."""
