import FoundationEssentials

/// What one repair's result leaves owed: which engines must restart to read the trust it changed or
/// found, and why none is when none is.
public enum RepairFollowUp: Sendable, Hashable {
    /// An anchor went into the system bundle: these engines read it only after a restart.
    case restart([String])
    /// The bundle already trusts the chain, yet these engines failed, and each started before the bundle
    /// last changed (or when that is not known): they hold older roots.
    case reload([String])
    /// The bundle already trusts the chain, and trustmend restarted each engine after this failure was
    /// logged: the failure came from the process with the old roots (read late: after a crash, or
    /// behind a burst), so nothing is owed.
    case staleFailure(restarted: [String])
    /// The bundle already trusts the chain, and each engine's main process started (`started`) after the
    /// bundle last changed (`trustChanged`): it loaded roots that trust the chain, so its failure is not
    /// one of stale roots (a forged line, or a cause no restart repairs) and nothing is owed. Without
    /// this a line naming an allowed, trusted host restarted the engine at will (issue 16, item 6).
    case notStaleRoots(started: [String: Date], trustChanged: Date)
    /// Already trusted through `certs.d`, yet the engine failed: it may not read that directory.
    case checkCertsD
    /// Nothing to restart: the registry route's install, a dry run, a failure.
    case nothing

    /// - Parameters:
    ///   - units: the engine units whose failure the repair answers.
    ///   - loggedAt: when the failure was logged, when the source knows.
    ///   - lastRestart: when trustmend last restarted each unit.
    ///   - restartsEngines: the route's engines read a change only after a restart (the system route).
    ///   - started: when each unit's main process started (`UnitState.mainStarted`), where known.
    ///   - trustChanged: when the bundle the repair judged "already trusted" against last changed
    ///     (`AnchorStore.trustChangedAt()`); nil when not known.
    public static func after(
        _ outcome: RepairOutcome, units: [String], loggedAt: Date?, lastRestart: [String: Date], restartsEngines: Bool,
        started: [String: Date] = [:], trustChanged: Date? = nil
    ) -> Self {
        switch outcome {
        case .installed:
            return restartsEngines ? .restart(units) : .nothing
        case .alreadyInstalled, .alreadyTrusted:
            guard restartsEngines else { return .checkCertsD }
            var owed: [String] = []
            var restarted: [String] = []
            var current: [String: Date] = [:]
            for unit in units {
                if let at = loggedAt, let last = lastRestart[unit], at < last {
                    restarted.append(unit)
                } else if let start = started[unit], let changed = trustChanged, start > changed {
                    current[unit] = start
                } else {
                    // Not known to be newer than the bundle: owed, as a stale-roots failure must be fixed.
                    owed.append(unit)
                }
            }
            if !owed.isEmpty || units.isEmpty { return .reload(owed) }
            if let changed = trustChanged, !current.isEmpty { return .notStaleRoots(started: current, trustChanged: changed) }
            return .staleFailure(restarted: restarted)
        case .planned:
            return .nothing
        }
    }

    /// The units owed a restart.
    public var owed: [String] {
        switch self {
        case .restart(let units), .reload(let units): units
        case .staleFailure, .notStaleRoots, .checkCertsD, .nothing: []
        }
    }

    /// How the policy counts the approval this result ends.
    public static func policyOutcome(_ outcome: RepairOutcome) -> Policy.Outcome {
        switch outcome {
        case .installed: .installed
        case .alreadyInstalled, .alreadyTrusted: .unchanged
        case .planned: .reported
        }
    }
}
