import Testing
@testable import TrustmendCore

/// `journalctl -u trustmend` shows MESSAGE only (issue 17, item 1): each sentence names the endpoint and,
/// as fits the event, the unit, the file, the anchor (subject, first 16 hex digits and "…"), the reason and
/// the command to run, all taken from the line's own fields. Host names, references, subjects and reasons
/// come from outside, so the sentence is escaped; the fields are not (the daemon passes them on as they are).
@Suite struct EventSentenceTests {
    static let sha = "4f8e31fe0a1b2c3d" + String(repeating: "5e6f", count: 12)
    static let oldSHA = "0123456789abcdef" + String(repeating: "fedc", count: 12)
    static let endpoint = ["host": "registry.corp.example", "port": "5000"]
    /// A subject with a terminal escape (set the window title) and a bell in it.
    static let subject = "CN=Corp\u{1b}]0;owned\u{7} Issuing CA"
    static let subjectShown = "CN=Corp\\u{1b}]0;owned\\u{7} Issuing CA"
    static let file = "/usr/local/share/ca-certificates/trustmend-\(sha).crt"
    static let fix = "trustmend fix registry.corp.example:5000 --expect-sha256 \(sha)"

    struct Row: Sendable, CustomTestStringConvertible {
        var sentence: EventSentence
        var fields: [String: String]
        /// What the sentence must say (the host, the command, the fingerprint prefix …), escaped as shown.
        var says: [String]
        var testDescription: String { "\(sentence)" }
    }

    static func row(_ sentence: EventSentence, _ fields: [String: String], says: [String]) -> Row {
        Row(sentence: sentence, fields: fields, says: says)
    }

    static let rows: [Row] = [
        row(.started(.running), ["mode": "enforce", "allow_rules": "2", "distro": "debian", "version": "1.0", "config": "/etc/trustmend/config\u{1b}.yaml"],
            says: ["trustmend started: enforce mode, 2 allow rules, distro debian, version 1.0, configuration /etc/trustmend/config\\u{1b}.yaml"]),
        row(.started(.running), ["mode": "report", "allow_rules": "0"], says: ["report mode (nothing is installed until mode: enforce), 0 allow rules"]),
        row(.started(.trustAny), [:], says: ["trust_any is on"]),
        row(.configReloaded(trustAny: false), ["mode": "enforce", "allow_rules": "1"], says: ["configuration reloaded: enforce mode, 1 allow rule"]),
        row(.configReloaded(trustAny: true), [:], says: ["trust_any is on after the reload"]),
        row(.configRejected, ["error": "unknown key 'prot'\u{1b}[2J at line 4"],
            says: ["new configuration refused, the running one stays: unknown key 'prot'\\u{1b}[2J at line 4", "a change is reloaded by itself"]),
        row(.detected, endpoint.merging(["engine": "containerd", "image": "registry.corp.example:5000/app:1\u{9b}31m"]) { $1 },
            says: ["containerd failed to pull registry.corp.example:5000/app:1\\u{9b}31m", "registry.corp.example:5000 is signed by an unknown authority"]),
        row(.installed, endpoint.merging(["sha256": sha, "subject": subject, "file": file, "route": "system", "unit": "containerd.service"]) { $1 },
            says: ["registry.corp.example:5000", "\"\(subjectShown)\" (sha256 4f8e31fe0a1b2c3d…)", "as \(file) on the system route",
                   "trustmend remove registry.corp.example:5000"]),
        row(.verified, endpoint.merging(["sha256": sha, "bundle": "/etc/ssl/certs/ca-certificates.crt", "unit": "containerd.service,docker.service"]) { $1 },
            says: ["registry.corp.example:5000 now verifies against /etc/ssl/certs/ca-certificates.crt", "containerd.service and docker.service must restart"]),
        row(.verified, endpoint.merging(["bundle": "/etc/containerd/certs.d", "route": "registry"]) { $1 }, says: ["no restart needed"]),
        row(.refused(.registryRoute), endpoint.merging(["why": "add \"registry.corp.example\" to the rule's registries\u{7}"]) { $1 },
            says: ["registry.corp.example:5000 not repaired: the registry route cannot serve it", "registries\\u{7}"]),
        row(.refused(.fetch), endpoint.merging(["error": "connection refused\nby peer"]) { $1 },
            says: ["registry.corp.example:5000 not repaired", "connection refused\\u{a}by peer", "trustmend fetch registry.corp.example:5000 --summary"]),
        row(.refused(.chain), endpoint.merging(["error": "the server sent only its own leaf"]) { $1 },
            says: ["registry.corp.example:5000 not repaired: trustmend refuses", "trustmend fix registry.corp.example:5000 --dry-run"]),
        row(.refused(.failed), endpoint.merging(["error": "update-ca-certificates exited 1", "rollback_error": "EROFS\u{1b}"]) { $1 },
            says: ["the repair of registry.corp.example:5000 failed: update-ca-certificates exited 1", "EROFS\\u{1b}", "trustmend doctor"]),
        row(.refused(.notStale), endpoint.merging(["unit": "containerd.service", "why": "containerd.service started at 2025-01-01T00:00:00Z"]) { $1 },
            says: ["registry.corp.example:5000 is already trusted by the bundle, so containerd.service is not restarted", "trustmend doctor"]),
        row(.refused(.hourlyCap), endpoint.merging(["why": "the cap of 10 installs per hour is reached"]) { $1 },
            says: ["registry.corp.example:5000 not installed: the cap of 10 installs per hour is reached"]),
        row(.refused(.skipped), endpoint.merging(["why": "no trust anchor can repair this failure"]) { $1 },
            says: ["registry.corp.example:5000 not repaired: no trust anchor can repair this failure"]),
        row(.refused(.wouldRefuse), endpoint.merging(["why": "the pin does not match"]) { $1 },
            says: ["report mode: registry.corp.example:5000 would not be repaired", "trustmend fix registry.corp.example:5000 --dry-run"]),
        row(.reported(.notAllowed), endpoint.merging(["command": "trustmend fix registry.corp.example:5000 --dry-run"]) { $1 },
            says: ["registry.corp.example:5000 is not in the allow list: not trusted; to check it: trustmend fix registry.corp.example:5000 --dry-run"]),
        row(.reported(.notAllowed), endpoint.merging(["command": fix, "sha256": sha, "subject": subject]) { $1 },
            says: ["registry.corp.example:5000 is not in the allow list: not trusted", "sha256 4f8e31fe0a1b2c3d…", subjectShown,
                   "to trust it after checking the fingerprint out of band: \(fix)"]),
        row(.reported(.wouldInstall), endpoint.merging(["command": fix, "sha256": sha, "subject": subject, "route": "registry (/etc/containerd/certs.d/registry.corp.example:5000)"]) { $1 },
            says: ["report mode: registry.corp.example:5000 would be repaired", "sha256 4f8e31fe0a1b2c3d…",
                   "on the registry route (/etc/containerd/certs.d/registry.corp.example:5000)", fix]),
        row(.anchorChanged(reportMode: false), endpoint.merging(["command": fix, "sha256": sha, "installed_sha256": oldSHA, "subject": subject]) { $1 },
            says: ["registry.corp.example:5000 presents another anchor", "sha256 4f8e31fe0a1b2c3d…", "(sha256 0123456789abcdef…)", ": refused", fix,
                   "trustmend remove registry.corp.example:5000"]),
        row(.anchorChanged(reportMode: true), endpoint.merging(["command": fix, "sha256": sha, "installed_sha256": oldSHA]) { $1 },
            says: ["report mode: registry.corp.example:5000", "it would be refused", fix]),
        row(.rolledBack(afterCrash: false), endpoint.merging(["error": "the chain still does not verify"]) { $1 },
            says: ["the repair of registry.corp.example:5000 failed and was rolled back", "the chain still does not verify", "trustmend doctor"]),
        row(.rolledBack(afterCrash: true), endpoint.merging(["sha256": sha, "file": file]) { $1 },
            says: ["the install for registry.corp.example:5000 that a crash left unfinished was rolled back", file, "sha256 4f8e31fe0a1b2c3d…"]),
        row(.restartRequested, ["unit": "docker.service", "warning": "dockerd stops every container\u{1b}"],
            says: ["restarting docker.service", "dockerd stops every container\\u{1b}"]),
        row(.restartCompleted, ["unit": "containerd.service"], says: ["containerd.service restarted"]),
        row(.restartFailed, ["unit": "containerd.service", "result": "timeout"],
            says: ["the restart of containerd.service failed: systemd's job ended timeout", "systemctl status containerd.service"]),
        row(.restartDeferred(postponed: false), ["unit": "docker.service", "why": "dockerd without \"live-restore\": true stops every container"],
            says: ["docker.service must be restarted", "live-restore", "systemctl restart docker.service"]),
        row(.restartDeferred(postponed: true), ["unit": "containerd.service", "until": "2025-01-01T00:05:00Z"],
            says: ["the restart of containerd.service is postponed until 2025-01-01T00:05:00Z"]),
        // Issue 19, item 3: held off by the unit's start limit, the sentence says how many starts, in how long, out of how many.
        row(.restartDeferred(postponed: true), [
            "unit": "docker.service", "until": "2025-01-01T00:01:01Z", "reason": "start-limit", "limited": "docker.service", "started": "3",
            "limit": "3", "interval": "60s",
        ], says: [
            "docker.service has started 3 times in the last 60s and allows 3 (StartLimitBurst): restarting it now would leave it stopped; "
                + "retrying at 2025-01-01T00:01:01Z",
        ]),
        row(.restartDeferred(postponed: true), [
            "unit": "containerd.service", "until": "2025-01-01T00:01:01Z", "reason": "start-limit", "limited": "docker.service", "started": "2",
            "limit": "3", "interval": "60s",
        ], says: [
            "restarting containerd.service restarts docker.service too; docker.service has started 2 times in the last 60s and allows 3",
            "restarting it now would use its last start, and a crash after it would leave it stopped; retrying at 2025-01-01T00:01:01Z",
        ]),
        row(.sourceProblem(.source), ["source": "journal", "error": "cannot open the journal", "retry_in": "2 seconds"],
            says: ["the journal log source failed: cannot open the journal; it is opened again in 2 seconds"]),
        row(.sourceProblem(.file), ["error": "refusing to read /var/log/x\u{1b}: it must be owned by root"], says: ["refusing to read /var/log/x\\u{1b}"]),
        row(.sourceProblem(.stateDirectory), ["error": "EACCES"], says: ["the state directory cannot be made: EACCES"]),
        row(.sourceProblem(.stateNotSaved), ["error": "ENOSPC"], says: ["cannot save the state: ENOSPC"]),
        row(.sourceProblem(.recovery), ["error": "EROFS"], says: ["cannot roll back the installs a crash left unfinished: EROFS"]),
        row(.sourceProblem(.metrics), ["file": "/var/lib/prometheus/node-exporter/trustmend.prom", "error": "cannot write it: Read-only file system"],
            says: ["the metrics file /var/lib/prometheus/node-exporter/trustmend.prom for node_exporter is not up to date: cannot write it: Read-only file system; repairs go on"]),
        row(.dropped(.detections), ["source": "/var/log/syslog", "dropped": "17", "why": "at most 8 detections of one source wait"],
            says: ["17 detections from /var/log/syslog dropped: its fetch budget is spent (at most 8 detections of one source wait)"]),
        row(.dropped(.reports), ["dropped": "1", "why": "at most 20 skips are reported per batch"],
            says: ["1 report of hosts not repaired dropped: at most 20 skips are reported per batch"]),
        row(.reported(.notAllowed), ["host": "cdn.example", "port": "443", "command": "trustmend fix cdn.example:443 --dry-run", "image": "registry.example/app:1",
                                     "trace_command": "trustmend trace registry.example/app:1"],
            says: ["cdn.example:443 is not in the allow list", "the trace of registry.example/app:1 found it failing (trustmend trace registry.example/app:1",
                   "to check it: trustmend fix cdn.example:443 --dry-run"]),
        row(.reported(.hostless), ["engine": "dockerd", "unit": "docker.service", "why": "no image was named for it within 30 s", "command": "trustmend trace IMAGE"],
            says: ["dockerd failed to pull an image: a certificate is signed by an unknown authority, and the line names no host: no image was named",
                   "nothing repaired; to find the host that fails: trustmend trace IMAGE"]),
        row(.reported(.hostless), ["engine": "dockerd", "image": "registry.example/app:1\u{1b}", "why": "its registry registry.example:443 is not in the allow list",
                                   "command": "trustmend trace registry.example/app:1"],
            says: ["dockerd failed to pull registry.example/app:1\\u{1b}", "trustmend trace registry.example/app:1"]),
        row(.traced(.failing), ["image": "registry.example/app:1", "host": "cdn.example", "port": "443", "role": "redirect", "registry": "registry.example",
                                "engine_view": "docker", "why": "unable to get local issuer certificate"],
            says: ["tracing registry.example/app:1 found cdn.example:443, a host a redirect led to (a CDN) of registry.example, failing for docker: unable to get local issuer certificate",
                   "decided next as a failure of that host"]),
        row(.traced(.allVerify), ["image": "registry.example/app:1", "why": "registry.example:443, cdn.example:443 verify", "command": "trustmend trace registry.example/app:1"],
            says: ["tracing registry.example/app:1: every host it met verifies: registry.example:443, cdn.example:443 verify; nothing repaired, nothing restarted",
                   "trustmend trace registry.example/app:1"]),
        row(.traced(.needsCredentials), ["image": "registry.example/app:1", "why": "registry.example:443 answered 401"],
            says: ["tracing registry.example/app:1 stopped where the registry wants credentials: registry.example:443 answered 401", "nothing repaired"]),
        row(.traced(.stopped), ["image": "registry.example/app:1", "why": "registry.example:443 did not answer"],
            says: ["tracing registry.example/app:1 stopped early: registry.example:443 did not answer", "nothing repaired"]),
        row(.note(.stopped), [:], says: ["trustmend stopped"]),
        row(.note(.stateSaved), [:], says: ["the state is saved again"]),
        row(.note(.metricsWritten), ["file": "/srv/textfiles/trustmend.prom"], says: ["the metrics file /srv/textfiles/trustmend.prom is written again"]),
        row(.note(.alreadyTrustedRestarted), endpoint.merging(["why": "logged before the restart of containerd.service"]) { $1 },
            says: ["registry.corp.example:5000 is already trusted", "logged before the restart of containerd.service"]),
        row(.note(.alreadyTrustedNeedsRestart), endpoint.merging(["unit": "containerd.service"]) { $1 },
            says: ["registry.corp.example:5000 is already trusted by the bundle; containerd.service needs a restart"]),
        row(.note(.alreadyTrustedCheckCertsD), endpoint.merging(["unit": "containerd.service"]) { $1 },
            says: ["registry.corp.example:5000 is already trusted through the system bundle or certs.d", "trustmend doctor"]),
        row(.note(.restartNotOwed), ["unit": "containerd.service", "why": "its main process started after the bundle last changed"],
            says: ["containerd.service is no longer owed a restart: its main process started after"]),
    ]

    @Test(arguments: rows)
    func eachSentenceSaysWhatItsFieldsSay(_ row: Row) {
        let text = row.sentence.text(EventFacts(row.fields))
        for part in row.says {
            #expect(text.contains(part), "\(text)\nlacks: \(part)")
        }
        #expect(!text.unicodeScalars.contains(where: TerminalText.needsEscape), "control characters in: \(text)")
        // Only a command (or a file named after it) carries the whole fingerprint; the sentence shows its
        // first 16 hex digits.
        if row.fields["sha256"] != nil {
            let rest = [row.fields["command"], row.fields["file"]].compactMap { $0 }.reduce(text) { $0.replacing($1, with: "") }
            #expect(!rest.contains(Self.sha), "\(text)")
        }
    }

    @Test func everyEventHasASentenceAndEverySentenceARow() {
        #expect(Set(EventSentence.allCases.compactMap(\.event)) == Set(Event.allCases))
        #expect(Set(Self.rows.map(\.sentence)) == Set(EventSentence.allCases))
    }

    /// Whatever the daemon leaves out, a sentence still reads: no "nil", no "Optional", no dangling colon.
    @Test(arguments: EventSentence.allCases)
    func aSentenceWithoutItsFactsStillReads(_ sentence: EventSentence) {
        let text = sentence.text(EventFacts(["host": "", "why": ""]))
        #expect(!text.isEmpty)
        for bad in ["nil", "Optional", ": ;", "::", "()", " ,"] {
            #expect(!text.contains(bad), "'\(bad)' in: \(text)")
        }
    }

    @Test func anIPv6EndpointIsWrittenAsTheCommandsTakeIt() {
        let text = EventSentence.reported(.notAllowed).text(EventFacts(["host": "fd00::1", "port": "5000", "command": "trustmend fix [fd00::1]:5000 --dry-run"]))
        #expect(text.hasPrefix("[fd00::1]:5000 is not in the allow list"), "\(text)")
    }

    @Test func theSentenceIsMadeOfTheFieldsAndNothingElse() {
        var fields = Self.endpoint
        fields["sha256"] = Self.sha
        let before = EventSentence.installed.text(EventFacts(fields))
        fields["host"] = "other.corp.example"
        fields["sha256"] = Self.oldSHA
        let after = EventSentence.installed.text(EventFacts(fields))
        #expect(after.contains("other.corp.example:5000") && !after.contains("registry.corp.example"), "\(after)")
        #expect(after.contains("0123456789abcdef…") && !before.contains("0123456789abcdef"), "\(after)")
    }

    @Test func moreThanOneAnchorIsCounted() {
        let text = EventSentence.installed.text(EventFacts(Self.endpoint.merging(["sha256": "\(Self.sha),\(Self.oldSHA)"]) { $1 }))
        #expect(text.contains(", sha256 4f8e31fe0a1b2c3d… and 1 more (0123456789abcdef…),"), "\(text)")
    }
}
