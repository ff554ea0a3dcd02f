"""Suite-wide setup.

hypothesis is imported here, at collection, rather than by its pytest plugin at the very end:
CPython 3.11.7 can fail compiling a module with "AST constructor recursion depth mismatch" after
long async test sessions (a CPython bug in the AST validator's depth counter), and the plugin's
late import is such a compile. Imported early, it is compiled while the counter is still sound.
"""

import os

import hypothesis  # noqa: F401

# Two xdist workers each start a local Ray instance, beside compilers and training on 2 cores:
# Ray's default 30 s for a raylet to register is too short under that load, not a fault.
os.environ.setdefault("RAY_raylet_start_wait_time_s", "180")
