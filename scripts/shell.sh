#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# 'make shell' and 'make gdb': configuration CONFIG of configurations.txt
# (default test) through scripts/run-config.sh with guest/plans/shell
# instead of its plan: the serial console on this terminal (a copy in
# build/logs/shell-CONFIG.log, judged when the guest powers off). GDB=1
# (make gdb) starts the guest stopped, for gdb on localhost:1234.
. "$(dirname "$0")/lib.sh"

CONFIG=${CONFIG:-test}
"$TOP/scripts/deps.sh"
PLAN=shell INTERACTIVE=1 exec "$TOP/scripts/run-config.sh" "$CONFIG" \
	"$(dirname "$(config_log "$CONFIG")")/shell-$CONFIG.log"
