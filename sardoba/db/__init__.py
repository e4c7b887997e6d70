"""Database backends of the project (chosen in `sardoba/settings/base.py`)."""
