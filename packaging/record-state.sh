# shellcheck shell=sh
# Where trustmend keeps its ledger, for purge. The configuration's state_directory may move it away from
# /var/lib/trustmend; by the time purge runs (deb postrm purge, rpm %postun) the binary is gone and dpkg
# has deleted the configuration, so the package's removal scripts (deb prerm remove, rpm %preun on erase)
# ask the binary now, while both are there: it reads the file exactly as the daemon does, where a parse
# in sh would not. Its answer is recorded in /var/lib/trustmend/state-directory as one line, never
# evaluated; purge.sh reads it back with `read -r`, checks its shape, and removes only trustmend's own
# files from that directory.
# Nothing here may fail the removal (the deb prerm runs under set -e).
# By name, not path (lintian's command-with-path-in-maintainer-script): dpkg and rpm run the scripts
# with a PATH that has /usr/bin.
if command -v trustmend >/dev/null 2>&1; then
	if state_directory=$(trustmend list --state-directory 2>/dev/null) && [ -n "$state_directory" ] &&
		{ [ -d /var/lib/trustmend ] || mkdir -m 0700 /var/lib/trustmend; } && printf '%s\n' "$state_directory" >/var/lib/trustmend/state-directory; then
		:
	else
		echo "trustmend: cannot tell the state directory from /etc/trustmend/config.yaml; purge will clean /var/lib/trustmend only" >&2
	fi
fi
