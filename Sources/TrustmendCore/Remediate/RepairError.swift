/// Why a repair failed, and whether what it had written was taken back.
public struct RepairError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case fetch, refused, ledger, write, updateTool, verification
    }

    /// What became of the files a failed repair had written.
    public enum Rollback: Sendable {
        /// Nothing had been written.
        case notNeeded
        /// The files were removed again and the bundle rebuilt without them.
        case done
        /// The files were removed again, but rebuilding the bundle without them failed (as the update
        /// tool that failed the repair fails again): the bundle holds what its last run left.
        case bundleNotRebuilt(any Error)
        /// Taking them back failed too: the anchor may still be on disk, in the bundle, or pending in
        /// the ledger (the next start's `recover()` tries again).
        case failed(any Error)

        /// The files are gone again (whether or not the bundle could be rebuilt).
        public var rolledBack: Bool {
            switch self {
            case .done, .bundleNotRebuilt: true
            case .notNeeded, .failed: false
            }
        }
    }

    public var code: Code
    public var endpoint: Endpoint
    public var rollback: Rollback
    public var cause: any Error

    public init(code: Code, endpoint: Endpoint, rollback: Rollback = .notNeeded, cause: any Error) {
        self.code = code
        self.endpoint = endpoint
        self.rollback = rollback
        self.cause = cause
    }

    public init(code: Code, endpoint: Endpoint, rolledBack: Bool, cause: any Error) {
        self.init(code: code, endpoint: endpoint, rollback: rolledBack ? .done : .notNeeded, cause: cause)
    }

    /// True when files were written and have been removed again.
    public var rolledBack: Bool { rollback.rolledBack }

    /// Why taking back what was written failed, when it did.
    public var rollbackFailure: (any Error)? {
        if case .failed(let error) = rollback { return error }
        return nil
    }

    public var description: String {
        let what: String
        switch code {
        case .fetch: what = "cannot fetch the certificate chain of \(endpoint)"
        case .refused: what = "refusing to trust the chain of \(endpoint)"
        case .ledger: what = "cannot read or write the ledger while repairing \(endpoint)"
        case .write: what = "cannot write the anchor for \(endpoint)"
        case .updateTool: what = "the update tool failed while installing the anchor for \(endpoint)"
        case .verification: what = "the chain of \(endpoint) still does not verify after installing its anchor"
        }
        let tail: String
        switch rollback {
        case .notNeeded: tail = ""
        case .done: tail = " (rolled back: the anchor was removed and the bundle rebuilt)"
        case .bundleNotRebuilt(let failure): tail = " (rolled back: the anchor was removed, but the bundle could not be rebuilt: \(failure))"
        case .failed(let failure):
            tail = " (not rolled back: \(failure); the anchor may still be on disk and in the bundle, and the next start tries again)"
        }
        return "\(what): \(cause)\(tail)"
    }
}
