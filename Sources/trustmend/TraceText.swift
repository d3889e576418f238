import TrustmendCore

/// `trace`'s human output: one block per hop, how the walk ended, then the failing host per engine with
/// the commands that repair it. Everything a server sent (subjects, issuers, reasons) is escaped.
enum TraceText {
    static func render(
        _ trace: ImageTrace, failures: [TraceFailure], engines: [RegistryEngine], reference: ImageReference, platform: String
    ) -> String {
        var lines = [
            "trace of \(TerminalText.escaped(trace.reference)): registry \(trace.registry.directoryName), "
                + "\(reference.repository) \(reference.manifestReference), platform \(TerminalText.escaped(platform))"
        ]
        for (index, hop) in trace.hops.enumerated() {
            lines.append("")
            let status = hop.status.map { "→ \($0)" } ?? "→ no answer"
            lines.append("\(index + 1). \(hop.role.rawValue)  \(hop.endpoint.authority)  \(hop.request)  \(status)")
            if let chain = hop.chain {
                for (n, cert) in chain.certificates.enumerated() {
                    let label = n == 0 ? "   chain:" : "         "
                    lines.append("\(label) \(TerminalText.escaped(cert.subject)) ← \(TerminalText.escaped(cert.issuer))  sha256 \(cert.sha256.prefix(16))…")
                }
            } else {
                lines.append("   chain: none")
            }
            if let bundle = hop.bundle { lines.append("   bundle: \(describe(bundle))") }
            for engine in RegistryEngine.allCases.sorted(by: { $0.rawValue > $1.rawValue }) {
                if let verdict = hop.registryDirectories[engine] {
                    lines.append("   \(engine.rawValue) certs.d/\(trace.registry.directoryName): \(describe(verdict))")
                }
            }
            if let problem = hop.problem { lines.append("   problem: \(TerminalText.escaped(problem))") }
        }
        lines.append("")
        lines.append("end: \(TraceReport.kind(trace.end)) — \(TerminalText.escaped(TraceReport.detail(trace.end)))")
        if failures.isEmpty {
            let who = engines.map(\.rawValue).joined(separator: " and ")
            lines.append(trace.hops.contains { $0.chain != nil }
                ? "every host met verifies (for \(who))"
                : "no host presented a chain: nothing to judge")
        }
        for failure in failures {
            lines.append(
                "\(failure.engine.rawValue) fails at \(failure.hop.endpoint.authority) (\(failure.hop.role.rawValue), \(failure.hop.request)):")
            lines.append("   registry route (no restart): \(failure.registryRouteCommand)")
            lines.append("   system route:                \(failure.systemRouteCommand)")
        }
        return lines.joined(separator: "\n")
    }

    static func describe(_ verdict: TraceVerdict) -> String {
        verdict.verifies ? "verifies" : "does not verify (\(TerminalText.escaped(verdict.reason ?? "no reason given")))"
    }
}
