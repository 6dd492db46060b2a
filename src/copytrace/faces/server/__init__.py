"""The HTTP face of an index (FastAPI on uvicorn) and the views it shares with the static report."""
