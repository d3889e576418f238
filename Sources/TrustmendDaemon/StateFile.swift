import TrustmendCore

/// What the daemon keeps across a crash (cursor, file positions, pending repairs, owed restarts, last
/// restarts), and how its last save went.
struct StateFile {
    let store: any StateStore
    var state: DaemonState
    /// When (coordinator time) the state was last saved.
    var savedAt: Duration = .zero
    /// The last save failed (logged once).
    var unsaved = false

    init(store: any StateStore) throws {
        self.store = store
        state = try store.load()
    }

    /// Saves the state. A failure is logged once, not at every record, until a save works again: the
    /// daemon keeps deciding and repairing (it only forgets its place if it restarts meanwhile).
    mutating func save(now: Duration, log: EventLog) {
        do {
            try store.save(state)
            savedAt = now
            if unsaved {
                unsaved = false
                log(.note(.stateSaved), level: .notice, [:])
            }
        } catch {
            guard !unsaved else { return }
            unsaved = true
            log(.sourceProblem(.stateNotSaved), level: .error, ["error": .string("\(error)")])
        }
    }

    /// Records where a source stands; saves when `force`, or when the last save is a second old.
    mutating func advance(_ record: LogRecord, force: Bool, now: Duration, log: EventLog) {
        switch record.origin {
        case .journal:
            if !record.position.isEmpty { state.journalCursor = record.position }
        case .file(let path):
            if let position = FilePosition(encoded: record.position) { state.files[path] = position }
        }
        if force || now - savedAt >= .seconds(1) { save(now: now, log: log) }
    }
}
