"""Page bodies: each module's ``render()`` arranges widgets and calls services."""
