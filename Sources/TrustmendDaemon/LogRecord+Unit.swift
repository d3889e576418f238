import TrustmendCore

extension LogRecord {
    /// The journal unit that logged the record.
    var unit: String? {
        if case .journal(let unit?, _, _, _) = origin { return unit }
        return nil
    }

    /// The log file the record was read from.
    var file: String? {
        if case .file(let path) = origin { return path }
        return nil
    }
}
