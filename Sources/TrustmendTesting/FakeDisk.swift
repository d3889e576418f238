import FoundationEssentials
import Synchronization

/// A node's files in memory, shared by the fake stores of one test (the system route and the
/// registry route write to the same node).
public final class FakeDisk: Sendable {
    /// A fault to inject.
    public struct Fault: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    private let state = Mutex<(files: [String: [UInt8]], directories: Set<String>, changed: [String: Date])>(([:], [], [:]))

    public init() {}

    public func read(_ path: String) -> [UInt8]? { state.withLock { $0.files[path] } }

    public func text(_ path: String) -> String? { read(path).map { String(decoding: $0, as: UTF8.self) } }

    public func write(_ path: String, _ contents: [UInt8]) {
        state.withLock { s in
            s.files[path] = contents
            s.changed[path] = Date()
            var parent = Self.parent(of: path)
            while parent != "/" && !parent.isEmpty {
                s.directories.insert(parent)
                parent = Self.parent(of: parent)
            }
        }
    }

    public func write(_ path: String, _ text: String) { write(path, Array(text.utf8)) }

    public func remove(_ path: String) {
        state.withLock { s in
            s.files.removeValue(forKey: path)
            s.changed.removeValue(forKey: path)
        }
    }

    /// When a file was last written (the wall clock, as a real file's change time), nil when it is not there.
    public func changedAt(_ path: String) -> Date? { state.withLock { $0.changed[path] } }

    /// Sets a file's change time, as a rebuild at `date` would have.
    public func setChanged(_ path: String, _ date: Date) { state.withLock { if $0.files[path] != nil { $0.changed[path] = date } } }

    public func exists(_ path: String) -> Bool { state.withLock { $0.files[path] != nil } }

    public func isDirectory(_ path: String) -> Bool { state.withLock { $0.directories.contains(path) } }

    /// Removes a directory when no file is under it.
    public func removeDirectoryIfEmpty(_ path: String) {
        state.withLock { s in
            guard !s.files.keys.contains(where: { $0.hasPrefix(path + "/") }) else { return }
            s.directories = s.directories.filter { $0 != path && !$0.hasPrefix(path + "/") }
        }
    }

    /// The names of the files directly in a directory, sorted.
    public func list(_ directory: String) -> [String] {
        state.withLock { s in
            s.files.keys.filter { Self.parent(of: $0) == directory }.map { String($0.dropFirst(directory.count + 1)) }.sorted()
        }
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
