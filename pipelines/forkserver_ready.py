"""Imported last by the forkserver (`PRELOADED_MODULES`): everything preloaded so far is moved
out of the garbage collector's reach (`gc.freeze`), as the gc module's documentation advises
before forking without exec. A step process's collections then never write to the pages it
shares with the forkserver, so they stay shared instead of being copied in every step process.
Imported anywhere else (the serial baseline, the tests), it changes what is already loaded only.
"""

import gc

gc.collect()  # what is garbage now is freed before the rest is frozen
gc.freeze()
