import TrustmendCore

/// The node's machine ID, from `/etc/machine-id` under its root: what tells the node's journal entries
/// from those of containers whose journals are linked into the node's.
public enum MachineID {
    /// The 32 lowercase hex digits, or nil when the file is missing or holds anything else.
    public static func read(_ root: NodeRoot) -> String? {
        guard case .success(let bytes) = Syscalls.readAll(root.resolved("/etc/machine-id"), limit: 4096) else { return nil }
        let words = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard words.count == 1, let text = words.first.map(String.init), text.utf8.count == 32, text.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else { return nil }
        return text
    }
}
