import FoundationEssentials

/// What one repair's result leaves owed: which engines must restart to read the trust it changed or
/// found, and why none is when none is.
public enum RepairFollowUp: Sendable, Hashable {
    /// An anchor went into the system bundle: these engines read it only after a restart.
    case restart([String])
    /// The bundle already trusts the chain, yet these engines failed: they have not reloaded their roots.
    case reload([String])
    /// The bundle already trusts the chain, and trustmend restarted each engine after this failure was
    /// logged: the failure came from the process with the old roots (read late: after a crash, or
    /// behind a burst), so nothing is owed.
    case staleFailure(restarted: [String])
    /// Already trusted through `certs.d`, yet the engine failed: it may not read that directory.
    case checkCertsD
    /// Nothing to restart: the registry route's install, a dry run, a failure.
    case nothing

    /// - Parameters:
    ///   - units: the engine units whose failure the repair answers.
    ///   - loggedAt: when the failure was logged, when the source knows.
    ///   - lastRestart: when trustmend last restarted each unit.
    ///   - restartsEngines: the route's engines read a change only after a restart (the system route).
    public static func after(
        _ outcome: RepairOutcome, units: [String], loggedAt: Date?, lastRestart: [String: Date], restartsEngines: Bool
    ) -> Self {
        switch outcome {
        case .installed:
            return restartsEngines ? .restart(units) : .nothing
        case .alreadyInstalled, .alreadyTrusted:
            guard restartsEngines else { return .checkCertsD }
            let stale = units.filter { unit in
                guard let at = loggedAt, let last = lastRestart[unit] else { return false }
                return at < last
            }
            if stale.count == units.count, !units.isEmpty { return .staleFailure(restarted: stale) }
            return .reload(units.filter { !stale.contains($0) })
        case .planned:
            return .nothing
        }
    }

    /// The units owed a restart.
    public var owed: [String] {
        switch self {
        case .restart(let units), .reload(let units): units
        case .staleFailure, .checkCertsD, .nothing: []
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
