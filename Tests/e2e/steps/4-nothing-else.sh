# shellcheck shell=bash
# Tests/e2e/run.sh, step 4: what must cause nothing: failures forged by an ordinary user, a host outside
# the allow list (reported only); an upgrade keeps the configuration; `dpkg --purge` takes every
# anchor and the state away.
# shellcheck source=Tests/e2e/run-lib.sh
source "${BASH_SOURCE[0]%/*}/../run-lib.sh"   # loaded by run.sh already: the helpers, lib.sh, the state

say "4. A forged failure: an ordinary user writes engine-looking lines to the journal"
m=$(mark)
forged="time=\"$(date -u +%FT%T.%NZ)\" level=error msg=\"PullImage \\\"$forged_image\\\" failed\" error=\"failed to pull and unpack image \\\"$forged_image\\\": failed to resolve reference \\\"$forged_image\\\": failed to do request: Head \\\"https://forged.e2e.test:5000/v2/e2e/hello/manifests/1.0\\\": x509: certificate signed by unknown authority\""
# As nobody, in a service of its own (a compromised daemon, say): syslog, stdout, and the native
# protocol with the trusted fields spelled out (journald replaces them with the truth).
forge=$(cat <<FORGE
logger -t containerd '$forged'
echo 'level=error msg="Handler for POST /v1.41/images/create returned error: Get \"https://forged.e2e.test:5000/v2/\": x509: certificate signed by unknown authority"' | systemd-cat -t dockerd
printf 'MESSAGE=%s\nSYSLOG_IDENTIFIER=containerd\n_SYSTEMD_UNIT=containerd.service\n_UID=0\n' '$forged' | logger --journald
FORGE
)
node systemd-run -q --wait --collect --unit=e2e-forger -p User=nobody /bin/sh -c "$forge"
node journalctl --no-pager -q -o json --since="$m" | /usr/bin/python3 -c '
import json, sys
n = 0
for line in sys.stdin:
    e = json.loads(line)
    if "forged.e2e.test" in str(e.get("MESSAGE")) and e.get("SYSLOG_IDENTIFIER") in ("containerd", "dockerd"):
        n += 1
        print("    journald recorded: SYSLOG_IDENTIFIER=%s _UID=%s _SYSTEMD_UNIT=%s"
              % (e.get("SYSLOG_IDENTIFIER"), e.get("_UID"), e.get("_SYSTEMD_UNIT", "(none)")))
sys.exit(0 if n >= 3 else 1)' || die "the forged lines did not all reach the journal"
pass "3 forged lines in the journal, none from containerd.service or docker.service as root"
note "forged.e2e.test is allowed: only the entries' source may keep trustmend from trusting it"

say "4. A registry outside the allow list: other.e2e.test is only reported"
expect_fail "CRI PullImage $other_image" cri_pull "$other_image"
wait_event "$m" "$id_reported" reported TRUSTMEND_HOST=other.e2e.test
# Issue 16, item 15: a host no rule allows is not fetched unless fetch.unlisted_hosts says so; the report
# names the dry run (which fetches when the operator runs it) and carries no fingerprint.
report=$(events "$m" "$id_reported" TRUSTMEND_HOST=other.e2e.test | sed -n 1p)
[[ $report == *"command=trustmend fix other.e2e.test:5000 --dry-run"* ]] || die "the report does not name the dry run: $report"
[[ $report != *"sha256="* ]] || die "the report carries a fingerprint, so other.e2e.test was fetched: $report"
pass "the report names 'trustmend fix other.e2e.test:5000 --dry-run', no fingerprint: nothing was fetched"
# Issue 17, item 1: and so does the default view, MESSAGE only.
view_says "$m" "other.e2e.test:5000 is not in the allow list: not trusted; to check it: trustmend fix other.e2e.test:5000 --dry-run"
[[ -z $(events "$m" "$id_installed") ]] || die "something was installed"
[[ $(node sh -c 'ls /usr/local/share/ca-certificates/trustmend-*.crt | wc -l') == 1 ]] || die "anchor count changed"
pass "nothing installed for other.e2e.test"
metric trustmend_reports_total '>=1'
# The journal is read in order: other.e2e.test's entry came after the forged ones, so they were seen.
[[ -z $(node journalctl --no-pager -q --since="$m" _SYSTEMD_UNIT=trustmend.service TRUSTMEND_HOST=forged.e2e.test) ]] ||
  die "trustmend logged an event for the forged host"
if default_view "$m" | grep -F forged.e2e.test >/dev/null; then die "journalctl -u trustmend names the forged host"; fi
pass "the forged entries caused no event at all, and journalctl -u trustmend never names forged.e2e.test"

if [[ -n $deb ]]; then
  say "4. Upgrade: installing the package again keeps the configuration and restarts the service"
  pid_before=$(node systemctl show -p MainPID --value trustmend)
  config_before=$(node sha256sum /etc/trustmend/config.yaml)
  m=$(mark)
  node dpkg -i "$deb" 2>&1 | sed 's/^/    | /'
  wait_event "$m" "$id_started" started
  pid_after=$(node systemctl show -p MainPID --value trustmend)
  [[ $pid_after != 0 && $pid_after != "$pid_before" ]] || die "trustmend was not restarted (MainPID $pid_before → $pid_after)"
  [[ $(node sha256sum /etc/trustmend/config.yaml) == "$config_before" ]] || die "the upgrade changed /etc/trustmend/config.yaml"
  [[ $(node systemctl show -p NRestarts --value trustmend) == 0 ]] || die "trustmend failed and was restarted by systemd"
  pass "restarted (MainPID $pid_before → $pid_after), the edited config.yaml kept, no failure restarts"
fi

say "4. Removal: purge takes the anchors and the state away"
purge_trustmend
node systemctl is-active -q trustmend && die "trustmend still running after purge"
node test -e /var/lib/trustmend && die "/var/lib/trustmend is still there"
pass "trustmend stopped, /var/lib/trustmend gone"
node sh -c 'ls /usr/local/share/ca-certificates/trustmend-*.crt' 2>/dev/null && die "an anchor file is left"
node grep -q "$(sed -n 2p "$pki/issuing.pem")" /etc/ssl/certs/ca-certificates.crt && die "the CA is still in the bundle"
pass "no trustmend-*.crt left, the CA is gone from /etc/ssl/certs/ca-certificates.crt"
# A stopped daemon takes its metrics file away: node_exporter serves no trustmend series.
node test -e /var/lib/prometheus/node-exporter/trustmend.prom && die "trustmend.prom is left behind"
scrape | grep -q '^trustmend_' && die "node_exporter still serves trustmend's metrics"
pass "trustmend.prom gone with the daemon; node_exporter serves no trustmend_ series"
