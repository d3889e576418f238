import Foundation

/// Certificates minted at test time with the `openssl` CLI (EC P-256, fast): a root CA, an intermediate
/// CA and a server certificate for localhost/127.0.0.1/::1; a lone self-signed `CA:FALSE` server
/// certificate like home-made registries use; and an expired root variant.
final class TestPKI: @unchecked Sendable {
    // @unchecked: immutable after init; the directory is private to this instance.
    let directory: String

    init(expiredRoot: Bool = false) throws {
        directory = NSTemporaryDirectory() + "trustmend-pki-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if expiredRoot {
            // openssl req cannot backdate; Python's cryptography can.
            try sh("""
                /usr/bin/python3 - <<'PY'
                import datetime
                from cryptography import x509
                from cryptography.hazmat.primitives import hashes, serialization
                from cryptography.hazmat.primitives.asymmetric import ec
                from cryptography.x509.oid import NameOID
                key = ec.generate_private_key(ec.SECP256R1())
                name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Trustmend Test Root CA")])
                cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                    .serial_number(x509.random_serial_number())
                    .not_valid_before(datetime.datetime(2020, 1, 1)).not_valid_after(datetime.datetime(2020, 2, 1))
                    .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                    .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
                    .sign(key, hashes.SHA256()))
                open("root.pem", "wb").write(cert.public_bytes(serialization.Encoding.PEM))
                open("root.key", "wb").write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
                PY
                """)
        }
        try sh("""
            [ -f root.pem ] || openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key -out root.pem -days 30 \
              -subj '/CN=Trustmend Test Root CA' -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign'
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout int.key -out int.csr -subj '/CN=Trustmend Test Issuing CA'
            printf 'basicConstraints=critical,CA:TRUE,pathlen:0\\nkeyUsage=critical,keyCertSign,cRLSign\\n' > int.ext
            openssl x509 -req -in int.csr -CA root.pem -CAkey root.key -CAcreateserial -days 30 -extfile int.ext -out int.pem
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr -subj '/CN=localhost'
            printf 'basicConstraints=critical,CA:FALSE\\nsubjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\\nextendedKeyUsage=serverAuth\\n' > leaf.ext
            openssl x509 -req -in leaf.csr -CA int.pem -CAkey int.key -CAcreateserial -days 30 -extfile leaf.ext -out leaf.pem
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout self.key -out self.pem -days 30 \
              -subj '/CN=localhost' -addext 'basicConstraints=critical,CA:FALSE' -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1'
            cat root.pem > bundle-root.pem
            cat int.pem > bundle-int.pem
            """)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func path(_ name: String) -> String { directory + "/" + name }
    func pem(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }

    /// SHA-256 of a PEM certificate file's DER, lower-case hex.
    func sha256(_ name: String) throws -> String {
        let out = try sh("openssl x509 -in \(name) -noout -fingerprint -sha256")
        return out.split(separator: "=").last!.replacingOccurrences(of: ":", with: "").lowercased().trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @discardableResult
    func sh(_ script: String) throws -> String {
        try Shell.run("cd '\(directory)' && set -e\n" + script)
    }
}

/// Runs a test-side shell script (never the product: trustmend runs no shell).
enum Shell {
    struct Failure: Error, CustomStringConvertible {
        var status: Int32
        var output: String
        var description: String { "exit \(status): \(output)" }
    }

    @discardableResult
    static func run(_ script: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw Failure(status: process.terminationStatus, output: output) }
        return output
    }
}

/// A free TCP port on loopback.
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A server process on loopback (openssl s_server, or a hostile Python peer), killed when released.
final class TestServer: @unchecked Sendable {
    // @unchecked: the process is started in init and only terminated in deinit or `stop()`, which a
    // test calls from its own task.
    let port: Int
    let process: Process
    private var stopped = false

    init(arguments: [String], executable: String, port: Int, host: String = "127.0.0.1") throws {
        self.port = port
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Ready when it accepts a connection.
        for _ in 0..<100 {
            if Self.accepts(host: host, port: port) { return }
            usleep(50_000)
        }
        process.terminate()
        throw Shell.Failure(status: -1, output: "server on \(host):\(port) did not start")
    }

    deinit {
        // SIGKILL and no waiting: Foundation reaps the child on its own, and waitUntilExit can spin
        // forever from a cooperative-pool thread.
        if !stopped { kill(process.processIdentifier, SIGKILL) }
    }

    /// Kills the server now and waits until its port no longer accepts connections, so that another
    /// server can take the same port (the same endpoint presenting another chain).
    func stop(host: String = "127.0.0.1") {
        kill(process.processIdentifier, SIGKILL)
        stopped = true
        for _ in 0..<100 where Self.accepts(host: host, port: port) { usleep(50_000) }
    }

    static func accepts(host: String, port: Int) -> Bool {
        (try? Shell.run("exec 3<>/dev/tcp/\(host)/\(port)")) != nil
    }

    /// `openssl s_server` sending `chain` after the leaf (or only `cert`).
    /// `port`: a given one (another server on an endpoint used before); `options`: more s_server options.
    static func tls(
        pki: TestPKI, cert: String = "leaf.pem", key: String = "leaf.key", chain: String? = "int.pem", host: String = "127.0.0.1",
        port: Int? = nil, options: [String] = []
    ) throws -> TestServer {
        let port = port ?? freePort()
        var arguments = ["s_server", "-quiet", "-accept", host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)", "-cert", pki.path(cert), "-key", pki.path(key), "-www"]
        if let chain { arguments += ["-cert_chain", pki.path(chain)] }
        arguments += options
        return try TestServer(arguments: arguments, executable: "/usr/bin/openssl", port: port, host: host)
    }

    /// A misbehaving peer from `Tests/Support/hostile_server.py`.
    static func hostile(_ behaviour: String, pki: TestPKI) throws -> TestServer {
        let port = freePort()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/hostile_server.py").path
        return try TestServer(arguments: [script, behaviour, String(port), pki.directory], executable: "/usr/bin/python3", port: port)
    }
}
