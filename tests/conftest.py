"""Suite-wide setup.

hypothesis is imported here, at collection, rather than by its pytest plugin at the very end:
CPython 3.11.7 can fail compiling a module with "AST constructor recursion depth mismatch" after
long async test sessions (a CPython bug in the AST validator's depth counter), and the plugin's
late import is such a compile. Imported early, it is compiled while the counter is still sound.
"""

import hypothesis  # noqa: F401
