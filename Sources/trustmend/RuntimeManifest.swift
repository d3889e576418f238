import CPrivateRuntime

/// The list of the private runtime's files that packaging/runtime.sh writes: per line the file, the
/// distribution's source package and version it was built from, and its SHA-256, tab-separated; `#`
/// lines carry the distribution it was taken from (`# from: …`).
struct RuntimeManifest {
    static let fileName = "runtime.manifest"

    struct Library: Equatable {
        var file: String
        var sourcePackage: String
        var version: String
    }

    var distribution = "an unknown distribution"
    var libraries: [Library] = []

    init(text: String) {
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# from: ") {
                distribution = String(line.dropFirst(8))
                continue
            }
            if line.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 3 else { continue }
            libraries.append(Library(file: String(fields[0]), sourcePackage: String(fields[1]), version: String(fields[2])))
        }
    }

    func summary(directory: String) -> String {
        let width = libraries.map(\.file.count).max() ?? 0
        let rows = libraries.map { library in
            "  " + library.file + String(repeating: " ", count: width - library.file.count) + "  \(library.sourcePackage) \(library.version)"
        }
        return (["runtime: \(directory), \(libraries.count) files from \(distribution) (\(directory)/\(Self.fileName)):"] + rows)
            .joined(separator: "\n")
    }
}
