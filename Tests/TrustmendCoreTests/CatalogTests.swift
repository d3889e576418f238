import Foundation
import Testing
@testable import TrustmendCore

/// systemd/trustmend.catalog explains each event `journalctl -x` shows. Under each entry's `-- ID` line a
/// comment `# event: NAME` names the event by its rawValue (journalctl skips comment lines); the e2e
/// scripts find the IDs by it (Tests/e2e/lib.sh, `message_id`). Here the names and IDs must be Event's.
/// (Tests/scripts/packaging-test.sh checks that the catalog has exactly the IDs Event.swift spells.)
@Suite struct CatalogTests {
    static let catalog = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("systemd/trustmend.catalog")

    /// The entries in order: the ID of each `-- ID` line and the names in the `# event:` lines under it.
    static func entries() throws -> [(id: String, events: [String])] {
        var entries: [(id: String, events: [String])] = []
        for line in try String(contentsOf: catalog, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
            if let entry = line.wholeMatch(of: #/-- ([0-9a-f]{32})/#) {
                entries.append((String(entry.1), []))
            } else if let key = line.wholeMatch(of: #/# event: (\S+)/#) {
                try #require(!entries.isEmpty, "'\(line)' comes before the first entry")
                entries[entries.count - 1].events.append(String(key.1))
            }
        }
        return entries
    }

    @Test func eachEntryNamesTheEventWithItsID() throws {
        let entries = try Self.entries()
        try #require(!entries.isEmpty, "no '-- ID' entry in \(Self.catalog.path)")
        for entry in entries {
            guard entry.events.count == 1, let name = entry.events.first else {
                Issue.record("the entry \(entry.id) needs exactly one '# event: NAME' line, has \(entry.events)")
                continue
            }
            let event = try #require(Event(rawValue: name), "'# event: \(name)' under \(entry.id) is no Event's rawValue")
            #expect(event.messageID == entry.id, "'# event: \(name)' is under \(entry.id), the event's messageID is \(event.messageID)")
        }
    }

    @Test func everyEventHasAnEntry() throws {
        let named = Set(try Self.entries().flatMap(\.events))
        for event in Event.allCases {
            #expect(named.contains(event.rawValue), "no catalog entry says '# event: \(event.rawValue)'")
        }
    }
}
