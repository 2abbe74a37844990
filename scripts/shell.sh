#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# 'make shell' and 'make gdb': build the kernel of FLAVOUR (default test)
# and its guest, and boot it with guest/plans/shell, the serial console
# on this terminal (a copy in build/logs/shell-FLAVOUR.log, judged when
# the guest powers off). GDB=1 (make gdb) starts the guest stopped, for
# gdb on localhost:1234.
. "$(dirname "$0")/lib.sh"

FLAVOUR=${FLAVOUR:-test}
"$TOP/scripts/deps.sh"
"$TOP/scripts/tree.sh"
INTERACTIVE=1 exec "$TOP/scripts/run-plan.sh" "$FLAVOUR" shell "$LOGS/shell-$FLAVOUR.log"
