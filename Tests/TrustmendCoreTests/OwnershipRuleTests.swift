import Testing
@testable import TrustmendCore

/// The configuration file's rule (issue 16, item 13): the log files' rule — owned by root, not writable
/// by group or others — for the file and every directory above it, relative to who runs trustmend.
@Suite struct OwnershipRuleTests {
    static let regular: UInt32 = 0o100000
    static let directory: UInt32 = 0o040000
    static let file = "/etc/trustmend/config.yaml"

    @Test(arguments: [
        // (running as, owner, mode, accepted)
        (0, 0, 0o644, true), (0, 0, 0o600, true), (0, 0, 0o640, true),
        (0, 1000, 0o644, false), (0, 0, 0o664, false), (0, 0, 0o646, false), (0, 0, 0o666, false),
        // As an ordinary user (a test's sandbox): that user's files and root's count, no one else's.
        (1000, 1000, 0o644, true), (1000, 0, 0o644, true), (1000, 1001, 0o644, false), (1000, 1000, 0o664, false),
    ] as [(UInt32, UInt32, UInt32, Bool)])
    func theFile(runningAs: UInt32, owner: UInt32, mode: UInt32, accepted: Bool) {
        let why = OwnershipRule(runningAs: runningAs).refusal(Self.file, .file, owner: owner, mode: Self.regular | mode)
        #expect((why == nil) == accepted, "\(why ?? "accepted")")
    }

    @Test(arguments: [
        (0, 0, 0o755, true), (0, 0, 0o1777, true) /* /tmp */, (0, 1000, 0o1777, false), (0, 0, 0o775, false), (0, 0, 0o777, false),
        (0, 1000, 0o755, false), (1000, 1000, 0o755, true),
    ] as [(UInt32, UInt32, UInt32, Bool)])
    func theDirectoriesAbove(runningAs: UInt32, owner: UInt32, mode: UInt32, accepted: Bool) {
        let why = OwnershipRule(runningAs: runningAs).refusal("/etc/trustmend", .directory(of: Self.file), owner: owner, mode: Self.directory | mode)
        #expect((why == nil) == accepted, "\(why ?? "accepted")")
    }

    /// The sticky bit protects a directory's entries, not a file's contents.
    @Test func aStickyFileIsNotExempt() {
        #expect(OwnershipRule(runningAs: 0).refusal(Self.file, .file, owner: 0, mode: Self.regular | 0o1666) != nil)
    }

    /// The refusal names the file, its owner and mode, and the commands that make it acceptable.
    @Test func theRefusalSaysWhatToRun() throws {
        let rule = OwnershipRule(runningAs: 0)
        let owner = try #require(rule.refusal(Self.file, .file, owner: 1000, mode: Self.regular | 0o664))
        #expect(owner.contains("refusing the configuration /etc/trustmend/config.yaml"))
        #expect(owner.contains("owned by uid 1000 and writable by its group (owner uid 1000, mode 0664)"))
        #expect(owner.hasSuffix("chown root /etc/trustmend/config.yaml && chmod go-w /etc/trustmend/config.yaml"))
        let directory = try #require(rule.refusal("/etc/trustmend", .directory(of: Self.file), owner: 0, mode: Self.directory | 0o777))
        #expect(directory.contains("the directory /etc/trustmend above the configuration /etc/trustmend/config.yaml"))
        #expect(directory.contains("writable by its group and writable by others (owner uid 0, mode 0777)"))
        #expect(directory.hasSuffix(": chmod go-w /etc/trustmend"))
        let sandbox = try #require(OwnershipRule(runningAs: 1000).refusal("/tmp/x/config.yaml", .file, owner: 1001, mode: Self.regular | 0o644))
        #expect(sandbox.contains("owned by root or uid 1000 (who runs trustmend)") && sandbox.hasSuffix("chown 1000 /tmp/x/config.yaml"))
    }
}
