/// The sentences of the daemon itself and of the engines' restarts: start and configuration, restarts
/// asked for, done, failed or put off, problems with a source or the state, and the notes that are no
/// event of their own.
extension EventSentence {
    static func started(_ kind: Started, _ f: EventFacts) -> String {
        switch kind {
        case .running:
            var parts = [mode(f)].compactMap { $0 }
            if let distro = f["distro"] { parts.append("distro \(distro)") }
            if let version = f["version"] { parts.append("version \(version)") }
            if let config = f["config"] { parts.append("configuration \(config)") }
            return "trustmend started" + (parts.isEmpty ? "" : ": " + parts.joined(separator: ", "))
        case .trustAny:
            return "trust_any is on: every failing host will be trusted, as the manual procedure does"
        }
    }

    static func configReloaded(trustAny: Bool, _ f: EventFacts) -> String {
        if trustAny { return "trust_any is on after the reload: every failing host will be trusted" }
        return "configuration reloaded" + colon(mode(f))
    }

    static func configRejected(_ f: EventFacts) -> String {
        "new configuration refused, the running one stays\(colon(f["error"])); fix the file (a change is reloaded by itself, "
            + "as is systemctl reload trustmend)"
    }

    /// "enforce mode, 2 allow rules"; report mode says what it means.
    static func mode(_ f: EventFacts) -> String? {
        var parts: [String] = []
        switch f["mode"] {
        case "report": parts.append("report mode (nothing is installed until mode: enforce)")
        case let mode?: parts.append("\(mode) mode")
        case nil: break
        }
        if let rules = f["allow_rules"] { parts.append(rules == "1" ? "1 allow rule" : "\(rules) allow rules") }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    static func restartRequested(_ f: EventFacts) -> String {
        "restarting \(f.units(or: "the engine")) so that it loads the new trusted roots" + (f["warning"].map { "; note: \($0)" } ?? "")
    }

    static func restartCompleted(_ f: EventFacts) -> String {
        "\(f.units(or: "the engine")) restarted: it now trusts the new anchors"
    }

    static func restartFailed(_ f: EventFacts) -> String {
        let unit = f.units(or: "the engine")
        let why = f["result"].map { "systemd's job ended \($0)" } ?? f["error"]
        return "the restart of \(unit) failed\(colon(why)); the anchor stays installed"
            + (f["unit"].map { "; to look into it: systemctl status \($0)" } ?? "")
    }

    static func restartDeferred(postponed: Bool, _ f: EventFacts) -> String {
        let unit = f.units(or: "the engine")
        if postponed, f["reason"] == StartLimitCheck.reason { return startLimited(f) }
        if postponed {
            return "the restart of \(unit) is postponed" + (f["until"].map { " until \($0)" } ?? "")
                + " (restart.min_interval); it happens by itself"
        }
        return "\(unit) must be restarted to trust the new anchor, but trustmend does not restart it\(colon(f["why"])); "
            + "it loads the new roots at its next start" + (f["unit"].map { " (systemctl restart \($0))" } ?? "")
    }

    /// A restart held off by the unit's start limit (`reason: start-limit`): how many starts, in how
    /// long, out of how many, and when it is retried.
    static func startLimited(_ f: EventFacts) -> String {
        let unit = f.units(or: "the engine")
        let limited = f["limited"] ?? unit
        var text = limited == unit ? "" : "restarting \(unit) restarts \(limited) too; "
        let started = f["started"].flatMap { Int($0) }
        text += limited + (started.map { " has started \($0) \($0 == 1 ? "time" : "times")" } ?? " has started")
        text += f["interval"].map { " in the last \($0)" } ?? " recently"
        if let limit = f["limit"] { text += " and allows \(limit) (StartLimitBurst)" }
        let over = started.flatMap { n in f["limit"].flatMap { Int($0) }.map { n + 1 > $0 } } ?? true
        text += over
            ? ": restarting it now would leave it stopped"
            : ": restarting it now would use its last start, and a crash after it would leave it stopped"
        return text + (f["until"].map { "; retrying at \($0)" } ?? "; it is retried later")
    }

    static func sourceProblem(_ kind: Problem, _ f: EventFacts) -> String {
        switch kind {
        case .source:
            let source = f["source"].map { "the \($0) log source" } ?? "a log source"
            return "\(source) failed\(colon(f["error"])); it is opened again" + (f["retry_in"].map { " in \($0)" } ?? "")
        case .file:
            return (f["error"] ?? "a log file is refused") + "; the other sources go on"
        case .stateDirectory:
            return "the state directory cannot be made\(colon(f["error"])); repairs go on, and a failed save will say so"
        case .stateNotSaved:
            return "cannot save the state\(colon(f["error"])); repairs go on, but a restart of trustmend would read old entries "
                + "again (said once until a save works)"
        case .recovery:
            return "cannot roll back the installs a crash left unfinished\(colon(f["error"])); the next start tries again"
        case .metrics:
            let file = f["file"].map { "the metrics file \($0)" } ?? "the metrics file"
            return "\(file) for node_exporter is not up to date\(colon(f["error"])); repairs go on (said once until a write works)"
        }
    }

    static func note(_ kind: Note, _ f: EventFacts) -> String {
        let endpoint = f.endpointOrSomeHost
        switch kind {
        case .stopped:
            return "trustmend stopped"
        case .stateSaved:
            return "the state is saved again"
        case .alreadyTrustedRestarted:
            return "\(endpoint) is already trusted by the bundle, and the failure was " + (f["why"] ?? "logged before the engine's restart")
                + ": nothing to do"
        case .alreadyTrustedNeedsRestart:
            return "\(endpoint) is already trusted by the bundle; \(f.units(or: "the engine")) needs a restart to see it"
        case .alreadyTrustedCheckCertsD:
            return "\(endpoint) is already trusted through the system bundle or certs.d, yet \(f.units(or: "the engine")) failed: "
                + "it has not reloaded the bundle, or does not read that directory; to look into it: trustmend doctor"
        case .restartNotOwed:
            return "\(f.units(or: "the engine")) is no longer owed a restart\(colon(f["why"]))"
        case .metricsWritten:
            return (f["file"].map { "the metrics file \($0)" } ?? "the metrics file") + " is written again"
        }
    }
}
