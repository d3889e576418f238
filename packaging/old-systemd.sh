# The drop-in that lets trustmend.service start quietly under a systemd older than 248.
# Below 239 its system call allow-list (@system-service) cannot be parsed: 237 (Ubuntu 18.04) would admit
# only @default and 219 (CentOS 7) knows no @groups at all — either kills the daemon at its first system
# call. From 239 to 247 (EulerOS 2.9's 243, Debian 11's 247) the allow-list works, but a deny entry's
# errno after it does not: systemd takes `~setpriority:0` out of the allow-list and lets the default
# action (SystemCallErrorNumber=ENOSYS) answer, so libdispatch logs "Failed to set thread priority …
# errno=38" five times at every start (measured on 247; systemd issue #18916, fixed by PR #18921 in 248).
# There the drop-in allows setpriority instead, and LimitNICE=-4: libdispatch gives each worker thread
# the nice value of its queue's QoS (src/shims/priority.h: 10 background … 0 default, -2 user-initiated,
# -4 user-interactive), and without CAP_SYS_NICE going below 0 needs RLIMIT_NICE (EACCES otherwise, which
# it logs too: errno=13). The limit is this process's own: it can raise no other process's priority.
# packaging/build puts this into the deb postinst and the rpm %post at the #OLDSYSTEMD# line (after the
# unit is installed, before it is started), and the removal scripts take the file away. It is written only
# below 248, and removed again by the next install or upgrade on a systemd that no longer needs it.
# Run as a script with --print VERSION, it prints the drop-in for that version (the packaging test).
old_systemd_dropin=/etc/systemd/system/trustmend.service.d/50-old-systemd.conf

old_systemd_print() { # old_systemd_print VERSION: the drop-in for that systemd, nothing from 248 on
	[ "$1" -lt 248 ] || return 0
	echo "# Written by trustmend's package scripts because this node runs systemd $1 (< 248); removed by them."
	echo "# packaging/old-systemd.sh in trustmend's source says why. Do not edit: the next upgrade rewrites it."
	echo "[Service]"
	if [ "$1" -ge 239 ]; then
		echo "# Below 248 a deny entry's errno after an allow-list is ignored (systemd #18916): ~setpriority:0"
		echo "# answers ENOSYS and libdispatch logs it at every start. Allowed instead, down to the nice level"
		echo "# libdispatch asks for (-4, user-interactive) for this process alone: no CAP_SYS_NICE."
		echo "SystemCallFilter=setpriority"
		echo "LimitNICE=-4"
		return 0
	fi
	echo "SystemCallFilter="
	if [ "$1" -ge 233 ]; then
		echo "# @system-service arrived in 239: keep the deny-list alone (its last groups came in 233)."
		echo "SystemCallFilter=~@privileged @resources @mount @swap @reboot @raw-io @module @debug @cpu-emulation @obsolete @clock"
		if [ "$1" -ge 236 ]; then
			echo "# setpriority returns 0 and does nothing, as in the unit: libdispatch's start-up noise (236: per-call errno)."
			echo "SystemCallFilter=~setpriority:0"
		fi
	else
		echo "# The deny-list's groups are complete from 233 (none before 231): no filter."
	fi
	if [ "$1" -lt 231 ]; then
		echo "# No \"+\" prefix (231) and no ProtectSystem=strict (232): the plain command, with nothing to escape."
		echo "ExecStartPre="
		echo "ExecStartPre=/bin/sh -c 'for d in /etc/docker /etc/containerd; do if [ -d \"\$d\" ]; then mkdir -p -m 0755 \"\$d/certs.d\"; fi; done'"
		echo "# MemoryMax= arrived in 231."
		echo "MemoryLimit=256M"
	fi
}

old_systemd_apply() { # writes or removes the drop-in for the running systemd
	version=$(systemctl --version 2>/dev/null | sed -n '1s/^systemd \([0-9][0-9]*\).*/\1/p')
	[ -n "$version" ] || return 0
	if [ "$version" -lt 248 ]; then
		mkdir -p "${old_systemd_dropin%/*}"
		old_systemd_print "$version" > "$old_systemd_dropin.tmp" && mv -f "$old_systemd_dropin.tmp" "$old_systemd_dropin"
	elif [ -e "$old_systemd_dropin" ]; then
		rm -f "$old_systemd_dropin"
		rmdir "${old_systemd_dropin%/*}" 2>/dev/null || :
	fi
}

if [ "${1:-}" = "--print" ]; then old_systemd_print "$2"; fi
