"""`regie serve`: the journey planner's HTTP API (`/api`), its page (`/plan`) and the latest
release's download portal (`/`), in one FastAPI application over the graph files."""
