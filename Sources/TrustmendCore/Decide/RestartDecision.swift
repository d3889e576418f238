/// One engine restart decided, or not, with the reason.
public enum RestartDecision: Sendable, Hashable, CustomStringConvertible {
    /// Restart it; `warning` says what the operator accepted by asking for it.
    case restart(unit: String, warning: String?)
    case skip(unit: String, reason: String)

    public var unit: String {
        switch self {
        case .restart(let unit, _), .skip(let unit, _): unit
        }
    }

    public var description: String {
        switch self {
        case .restart(let unit, nil): "restart \(unit)"
        case .restart(let unit, let warning?): "restart \(unit) (\(warning))"
        case .skip(let unit, let reason): "not restarting \(unit): \(reason)"
        }
    }
}
