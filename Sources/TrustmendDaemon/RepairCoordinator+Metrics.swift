import TrustmendCore

/// The metrics file (issue 17, item 3): the events are counted where `EventLog` logs them and the
/// repairs where each approval ends (`finish`); here the file is written, from one place.
extension RepairCoordinator {
    /// Writes `trustmend.prom`: after start, after every batch, after a reload.
    func publishMetrics() {
        let ledger = wiring.makeRepairer(configuration).ledger
        metrics.publish(configuration, ledger: { try ledger.load() }, log: log)
    }

    /// A batch ended (or a group of the registry route's repairs, which do not wait for one): its time
    /// goes into the file with the counts.
    func batchEnded() {
        let now = wallNow
        metrics.counter.update { $0.lastBatch = now }
        publishMetrics()
    }
}
