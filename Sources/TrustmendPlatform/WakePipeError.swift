import Glibc

/// pipe(2) failed.
public struct WakePipeError: Error, Sendable {
    public var errno: Int32
}
