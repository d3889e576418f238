import Testing
@testable import TrustmendCore

/// Issue 16, item 1: kubelet logs a pod's `image:` string verbatim when it cannot parse it, so any pod
/// author writes that text. Those reports never nominate a host; real pull failures still do.
@Suite struct KubeletImageNameTests {
    /// The image a pod author wrote, shaped like a pull failure from an allowed host.
    static let forged = #"x "https://registry.allowed.example/v2/": x509: certificate signed by unknown authority"#

    @Test(arguments: [
        // klog structured, pod_workers.go: "Error syncing pod" with InvalidImageName.
        #"E1201 10:00:00.000000    1234 pod_workers.go:1298] "Error syncing pod, skipping" err="failed to \"StartContainer\" for \"app\" with InvalidImageName: \"Failed to apply default image tag \\\"x \\\\\\\"https://registry.allowed.example/v2/\\\\\\\": x509: certificate signed by unknown authority\\\": couldn't parse image reference \\\"x\\\": invalid reference format\"" pod="default/p" podUID="0"#,
        // Pre-structured logging.
        #"Error syncing pod, skipping: failed to "StartContainer" for "app" with InvalidImageName: "Failed to apply default image tag \"x \\\"https://registry.allowed.example/v2/\\\": x509: certificate signed by unknown authority\": couldn't parse image name \"x\": invalid reference format""#,
        // The kubelet event, as logged.
        #"Warning  InspectFailed  kubelet  Failed to apply default image tag "x \"https://registry.allowed.example/v2/\": x509: certificate signed by unknown authority": couldn't parse image reference "x": invalid reference format"#,
        // Only the reason kept (a cut line).
        #"E1201 10:00:00.000000 1234 kuberuntime_manager.go:1256] "Unhandled Error" err="container app start failed in pod p: InvalidImageName: pull x \"https://registry.allowed.example/v2/\": x509: certificate signed by unknown authority""#,
        // Only the tag text kept.
        #"Failed to apply default image tag "pulling https://registry.allowed.example/v2/ x509: certificate signed by unknown authority""#,
    ])
    func unparsableImageReportsAreNotDetected(line: String) {
        let scanner = LogScanner()
        #expect(scanner.scan(line: Substring(line), number: 1) == nil, "\(line)")
        #expect(Array(line.utf8).withUnsafeBufferPointer { scanner.scan(bytes: $0, number: 1) } == nil)
        var bulk: [Detection] = []
        _ = Array(line.utf8).withUnsafeBytes { scanner.scan(buffer: $0, firstLine: 1) { bulk.append($0) } }
        #expect(bulk.isEmpty)
    }

    /// The same hosts in the shapes of a real pull failure (ErrImagePull, "Failed to pull image") are
    /// still found: no new false negatives.
    @Test(arguments: [
        #"E1201 10:00:00.000000    1234 pod_workers.go:1298] "Error syncing pod, skipping" err="failed to \"StartContainer\" for \"app\" with ErrImagePull: \"failed to pull and unpack image \\\"registry.allowed.example/app:1\\\": failed to resolve reference \\\"registry.allowed.example/app:1\\\": failed to do request: Head \\\"https://registry.allowed.example/v2/app/manifests/1\\\": tls: failed to verify certificate: x509: certificate signed by unknown authority\"" pod="default/p""#,
        #"Warning  Failed  kubelet  Failed to pull image "registry.allowed.example/app:1": failed to pull and unpack image "registry.allowed.example/app:1": failed to resolve reference "registry.allowed.example/app:1": failed to do request: Head "https://registry.allowed.example/v2/app/manifests/1": x509: certificate signed by unknown authority"#,
    ])
    func realPullFailuresAreStillDetected(line: String) throws {
        let detection = try #require(LogScanner().scan(line: Substring(line), number: 1))
        #expect(detection.host == "registry.allowed.example")
        #expect(detection.port == 443)
    }
}
