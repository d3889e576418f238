/// containerd's version, from `containerd --version`.
public struct ContainerdVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// From `containerd containerd.io 1.7.27 05044ec…` or `containerd github.com/containerd/containerd 1.6.20~ds1 …`.
    public init?(versionOutput text: String) {
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let w = word.hasPrefix("v") ? word.dropFirst() : word
            let parts = w.split(separator: ".")
            guard parts.count >= 2, let major = Int(parts[0]), let minor = Int(parts[1].prefix { $0.isNumber }) else { continue }
            self.init(major: major, minor: minor)
            return
        }
        return nil
    }

    public var description: String { "\(major).\(minor)" }

    public static func < (a: Self, b: Self) -> Bool { (a.major, a.minor) < (b.major, b.minor) }
}
