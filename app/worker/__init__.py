"""The worker process's entry point: `dramatiq app.worker.tasks` (tasks.py), its heartbeat."""
