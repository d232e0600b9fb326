"""Repository-wide test setup: the plugin is tested through real pytest runs (pytester)."""

pytest_plugins = ["pytester"]
