# shellcheck shell=sh
# What purging (deb) or erasing (rpm) trustmend takes away: every anchor it installed, on either route,
# the directories it created, and its state. packaging/build puts this into the deb postrm and the rpm
# %postun at the #PURGE# line; it runs under /bin/sh after the binary is gone.
#
# System route: trustmend-<sha256 prefix>.crt in the anchor directory of the node's distro family
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
if [ -f /var/lib/trustmend/created-directories ]; then
	while IFS= read -r d; do
		case "$d" in
		*/../* | */..) continue ;;
		/etc/docker/certs.d/?* | /etc/containerd/certs.d/?*) rmdir "$d" 2>/dev/null || true ;;
		esac
	done </var/lib/trustmend/created-directories
fi
# certs.d itself, created by the unit so that its sandbox can open it up, when it is empty.
rmdir /etc/docker/certs.d /etc/containerd/certs.d 2>/dev/null || true
rm -rf /var/lib/trustmend
