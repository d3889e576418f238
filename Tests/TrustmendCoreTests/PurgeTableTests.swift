import Foundation
import Testing
@testable import TrustmendCore

/// packaging/purge.sh (the deb postrm and rpm %postun on purge) repeats part of the distro table: the
/// anchor directories it empties and the update tool that rebuilds each one's bundle. It runs under
/// /bin/sh after the binary is gone, so it cannot ask trustmend; this test keeps the copy equal to
/// `DistroProfile.table`. It reads the script as sh would: its `DIR/trustmend-*.crt` globs, then its
/// `case "$f"` arms, matched with fnmatch(3) as sh matches case patterns, and its update-ca-trust
/// arguments.
@Suite struct PurgeTableTests {
    /// Families no deb or rpm is installed on, so purge.sh never runs there. Flatcar has no package
    /// manager (and its anchors are .pem files in /etc/ssl/certs).
    static let withoutPackages: Set<DistroFamily> = [.flatcar]

    struct Purge {
        /// The system route's anchor directories, in the order purge.sh visits them.
        var directories: [String] = []
        /// The `case "$f" in` arms: patterns and the tool each names, in order.
        var arms: [(patterns: [String], tool: String)] = []
        /// `if [ "$tool" = NAME ]; then args="ARGS"; fi`: the arguments per tool (none otherwise).
        var arguments: [String: [String]] = [:]

        init(_ script: String) {
            for line in script.split(separator: "\n") {
                // A glob of the system route: a fixed directory (the registry route's have a `*` in theirs).
                for word in line.split(whereSeparator: { " \t;".contains($0) }) where word.hasSuffix("/trustmend-*.crt") {
                    let directory = String(word.dropLast("/trustmend-*.crt".count))
                    if directory.hasPrefix("/"), !directory.contains("*") { directories.append(directory) }
                }
                if let arm = line.firstMatch(of: #/^\s*(\S[^)]*)\)\s*tool="([^"]+)"\s*;;/#) {
                    arms.append((arm.1.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }, String(arm.2)))
                }
                if let rule = line.firstMatch(of: #/if \[ "\$tool" = ([^ \]]+) \]; then args="([^"]*)"/#) {
                    arguments[String(rule.1)] = rule.2.split(separator: " ").map(String.init)
                }
            }
        }

        /// The tool `case "$f"` picks for a file, as sh does: the first arm with a matching pattern.
        func tool(for file: String) -> String? {
            arms.first { $0.patterns.contains { fnmatch($0, file, 0) == 0 } }?.tool
        }
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("packaging/purge.sh")

    static func purge() throws -> Purge {
        let purge = Purge(try String(contentsOf: script, encoding: .utf8))
        try #require(!purge.directories.isEmpty, "no DIR/trustmend-*.crt glob found in \(script.path)")
        try #require(!purge.arms.isEmpty, "no case arm setting tool= found in \(script.path)")
        return purge
    }

    static let packaged = DistroProfile.table.filter { !withoutPackages.contains($0.family) }

    /// Every family a package installs on has its anchor directory emptied, with the suffix trustmend writes.
    @Test(arguments: packaged.map(\.family))
    func purgeEmptiesTheAnchorDirectory(of family: DistroFamily) throws {
        let row = DistroProfile.profile(for: family)
        let purge = try Self.purge()
        #expect(purge.directories.contains(row.anchorDirectory),
                "packaging/purge.sh does not remove trustmend-*.crt from \(row.anchorDirectory) (\(family.rawValue))")
        #expect(row.anchorSuffix == ".crt", "packaging/purge.sh removes trustmend-*.crt, \(family.rawValue)'s anchors end in \(row.anchorSuffix)")
    }

    /// ... and rebuilds its bundle with the family's update tool and arguments.
    @Test(arguments: packaged.map(\.family))
    func purgeRebuildsWithTheFamilysTool(of family: DistroFamily) throws {
        let row = DistroProfile.profile(for: family)
        let purge = try Self.purge()
        let tool = try #require(purge.tool(for: row.anchorDirectory + "/trustmend-0123456789abcdef.crt"),
                                "packaging/purge.sh's case names no tool for \(row.anchorDirectory)")
        for candidate in row.updateTool {
            #expect(URL(fileURLWithPath: candidate).lastPathComponent == tool,
                    "\(family.rawValue): packaging/purge.sh runs \(tool) for \(row.anchorDirectory), the table \(candidate)")
        }
        #expect(purge.arguments[tool, default: []] == row.updateArguments,
                "\(family.rawValue): packaging/purge.sh runs \(tool) with \(purge.arguments[tool, default: []]), the table with \(row.updateArguments)")
    }

    /// Nothing in purge.sh that the table no longer has, and nothing for a family without packages.
    @Test func everyDirectoryPurgeEmptiesIsInTheTable() throws {
        let purge = try Self.purge()
        let packagedDirectories = Set(Self.packaged.map(\.anchorDirectory))
        for directory in purge.directories {
            #expect(packagedDirectories.contains(directory),
                    "packaging/purge.sh empties \(directory), which no family with packages in DistroProfile.table has")
        }
        #expect(Set(purge.directories).count == purge.directories.count, "a directory is listed twice: \(purge.directories)")
    }

    /// The reader itself: a table that disagrees is found.
    @Test func aDriftedScriptIsCaught() {
        let drifted = Purge("""
            for f in /usr/local/share/ca-certificates/trustmend-*.crt /etc/pki/new/trustmend-*.crt \\
            \t/etc/docker/certs.d/*/trustmend-*.crt; do
            \tcase "$f" in
            \t/usr/local/share/* | /etc/pki/trust/*) tool="update-ca-certificates" ;;
            \t*) tool="update-ca-trust" ;;
            \tesac
            \tif [ "$tool" = update-ca-trust ]; then args="extract"; fi
            """)
        #expect(drifted.directories == ["/usr/local/share/ca-certificates", "/etc/pki/new"])
        #expect(drifted.tool(for: "/usr/local/share/ca-certificates/trustmend-1.crt") == "update-ca-certificates")
        #expect(drifted.tool(for: "/etc/pki/trust/anchors/trustmend-1.crt") == "update-ca-certificates")
        #expect(drifted.tool(for: "/etc/pki/ca-trust/source/anchors/trustmend-1.crt") == "update-ca-trust")
        #expect(drifted.arguments == ["update-ca-trust": ["extract"]])
    }
}
