# shellcheck shell=sh
# What purging (deb) or erasing (rpm) trustmend takes away: every anchor it installed, on either route,
# the directories it created, and its state. packaging/build puts this into the deb postrm and the rpm
# %postun at the #PURGE# line; it runs under /bin/sh after the binary is gone.
#
# System route: trustmend-<sha256>.crt (16 or 64 hex digits) in the anchor directory of the node's distro family
# (trustmend's distro table; nothing else has that name). The store is rebuilt by the tool that owns the
# directory the file was in: the directory tells the family, as trustmend only writes to its own family's.
# The directories and tools are a copy of DistroProfile.table (Sources/TrustmendCore/Node/DistroProfile.swift)
# for the families packages install on; Tests/TrustmendCoreTests/PurgeTableTests.swift checks they agree.
rebuild=""
for f in /usr/local/share/ca-certificates/trustmend-*.crt /etc/pki/ca-trust/source/anchors/trustmend-*.crt \
	/etc/pki/trust/anchors/trustmend-*.crt /etc/ca-certificates/trust-source/anchors/trustmend-*.crt; do
	[ -e "$f" ] || continue
	rm -f "$f"
	case "$f" in
	/usr/local/share/* | /etc/pki/trust/*) tool="update-ca-certificates" ;;
	*) tool="update-ca-trust" ;;
	esac
	case " $rebuild " in *" $tool "*) ;; *) rebuild="$rebuild $tool" ;; esac
done
for tool in $rebuild; do
	args=""
	if [ "$tool" = update-ca-trust ]; then args="extract"; fi
	if command -v "$tool" >/dev/null 2>&1; then
		# shellcheck disable=SC2086 # $args is one word or none
		"$tool" $args >/dev/null 2>&1 || echo "trustmend: $tool $args failed; run it by hand to drop trustmend's anchors from the bundle" >&2
	else
		echo "trustmend: $tool is missing; the bundle still holds trustmend's anchors until it runs" >&2
	fi
done
# Registry route: trustmend-*.crt in the engines' certs.d; the directories trustmend created (listed in
# created-directories) go too when that leaves them empty. The engines read certs.d at every pull:
# nothing to rebuild or restart.
for f in /etc/docker/certs.d/*/trustmend-*.crt /etc/containerd/certs.d/*/trustmend-*.crt; do
	if [ -f "$f" ]; then rm -f "$f"; fi
done
# The state directory: /var/lib/trustmend, or the configuration's state_directory, which the removal
# script recorded (packaging/record-state.sh) while the binary and the configuration were still there.
# The record is read as one line and used only quoted; a path that is not absolute or has a . or ..
# component is ignored.
state=/var/lib/trustmend
if [ -f /var/lib/trustmend/state-directory ]; then
	recorded=""
	IFS= read -r recorded </var/lib/trustmend/state-directory || true
	case "$recorded" in
	*/./* | */. | */../* | */..) ;;
	/?*) state=$recorded ;;
	esac
fi
if [ -f "$state/created-directories" ]; then
	while IFS= read -r d; do
		case "$d" in
		*/../* | */..) continue ;;
		/etc/docker/certs.d/?* | /etc/containerd/certs.d/?*) rmdir "$d" 2>/dev/null || true ;;
		esac
	done <"$state/created-directories"
fi
# certs.d itself, created by the unit so that its sandbox can open it up, when it is empty.
rmdir /etc/docker/certs.d /etc/containerd/certs.d 2>/dev/null || true
# An operator's state_directory may hold other things: only trustmend's own files go, and the directory
# when that leaves it empty. /var/lib/trustmend is the package's.
if [ "$state" != /var/lib/trustmend ]; then
	rm -f "$state/ledger.json" "$state/state.json" "$state/heartbeat" "$state/created-directories" "$state"/.trustmend-*.tmp
	rmdir "$state" 2>/dev/null || true
fi
rm -rf /var/lib/trustmend
