/// Durations as people write them in configuration files.
public enum DurationText {
    public static func parse(_ text: String) -> Duration? {
        if let seconds = Int(text), seconds >= 0 { return .seconds(seconds) }
        var total = Duration.zero
        var number = ""
        var unit = ""
        var any = false
        func flush() -> Bool {
            guard let n = Int(number) else { return false }
            switch unit {
            case "ms": total += .milliseconds(n)
            case "s": total += .seconds(n)
            case "m": total += .seconds(n * 60)
            case "h": total += .seconds(n * 3600)
            case "d": total += .seconds(n * 86400)
            default: return false
            }
            number = ""
            unit = ""
            any = true
            return true
        }
        for ch in text {
            if ch.isNumber {
                if !unit.isEmpty { guard flush() else { return nil } }
                number.append(ch)
            } else if ch.isLetter {
                guard !number.isEmpty else { return nil }
                unit.append(ch)
            } else {
                return nil
            }
        }
        guard !number.isEmpty, flush(), any else { return nil }
        return total
    }

    public static func format(_ d: Duration) -> String {
        let seconds = d.components.seconds
        if seconds % 86400 == 0 && seconds > 0 { return "\(seconds / 86400)d" }
        if seconds % 3600 == 0 && seconds > 0 { return "\(seconds / 3600)h" }
        if seconds % 60 == 0 && seconds > 0 { return "\(seconds / 60)m" }
        if seconds == 0 && d > .zero { return "\(d.components.attoseconds / 1_000_000_000_000_000)ms" }
        return "\(seconds)s"
    }
}
