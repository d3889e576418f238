import Foundation

/// A throwaway node root for `--root`: an os-release, the Debian trust-store layout with two real
/// system CAs (so `update-ca-certificates` always has something to write), and empty state.
struct SandboxRoot {
    let path: String

    static let debianOSRelease = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n"
    static let eulerOSRelease = "NAME=\"EulerOS\"\nVERSION=\"2.0 (SP10)\"\nID=\"euleros\"\nVERSION_ID=\"2.0\"\n"

    init(osRelease: String = Self.debianOSRelease) throws {
        path = NSTemporaryDirectory() + "trustmend-root-" + UUID().uuidString
        let fm = FileManager.default
        for dir in [
            "etc/ssl/certs", "etc/ca-certificates/update.d", "usr/share/ca-certificates/mozilla",
            "usr/local/share/ca-certificates", "etc/pki/ca-trust/source/anchors", "etc/pki/tls/certs", "var/lib/trustmend",
            "etc/docker",
        ] {
            try fm.createDirectory(atPath: path + "/" + dir, withIntermediateDirectories: true)
        }
        try osRelease.write(toFile: path + "/etc/os-release", atomically: true, encoding: .utf8)
        let system = "/usr/share/ca-certificates/mozilla"
        let names = try fm.contentsOfDirectory(atPath: system).filter { $0.hasSuffix(".crt") }.sorted().prefix(2)
        var conf = ""
        for name in names {
            try fm.copyItem(atPath: system + "/" + name, toPath: path + "/usr/share/ca-certificates/mozilla/" + name)
            conf += "mozilla/\(name)\n"
        }
        try conf.write(toFile: path + "/etc/ca-certificates.conf", atomically: true, encoding: .utf8)
    }

    func file(_ nodePath: String) -> String { path + nodePath }

    func read(_ nodePath: String) -> String? { try? String(contentsOfFile: file(nodePath), encoding: .utf8) }

    func write(_ nodePath: String, _ text: String, mode: Int = 0o755) throws {
        let parent = (file(nodePath) as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try text.write(toFile: file(nodePath), atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file(nodePath))
    }

    func list(_ nodeDirectory: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: file(nodeDirectory)).sorted()) ?? []
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
