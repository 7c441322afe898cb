from __future__ import annotations

import os
import signal

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# A job started in the background by a non-interactive shell (CI, `cmd &`) inherits SIGINT
# ignored, and Python then installs no KeyboardInterrupt handler. The interrupt tests send
# SIGINT as Ctrl-C does in a terminal: give this process (and what it starts) the terminal's.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
