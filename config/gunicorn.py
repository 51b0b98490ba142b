"""gunicorn's settings, shared by `make demo` (config/dev/demo.sh), the Docker image and the county
benchmark (bench/county.py): `gunicorn -c config/gunicorn.py config.wsgi ...`."""

# Idle connections stay open longer than people pause between clicks, and longer than a load
# balancer's idle timeout in front (commonly 60 s): a browser or balancer reuses the connection,
# and at gunicorn's default of 2 s a request sent just as the server closes it is reset (the county
# benchmark, whose people pause 1-5 s, saw a few "connection reset by peer" a run). The threaded
# workers (--threads) keep idle connections in their poller, not in a thread.
keepalive = 75
