"""Demo data for `manage.py seed_demo`, one module per app it fills. It lives
in dashboards, the one app that may read every other, so the domain apps
never depend on each other for the sake of a demo."""
