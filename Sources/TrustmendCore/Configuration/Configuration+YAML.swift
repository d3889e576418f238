extension Configuration {
    /// Reads the configuration from a parsed YAML document. Unknown keys, wrong types and out-of-range
    /// values are errors naming the key and its line; nothing is guessed.
    public init(yaml root: YAMLNode?) throws(ConfigError) {
        self.init()
        guard let root, !root.isNull else { return }
        let top = try Fields(root, path: "")
        if let n = try top.take("mode") { mode = try n.choice(Mode.self, key: "mode") }
        if let n = try top.take("route") { route = try n.choice(TrustRoute.self, key: "route") }
        if let n = try top.take("trust_any") { trustAny = try n.bool("trust_any") }
        if let n = try top.take("anchor") { anchor = try n.choice(AnchorChoice.self, key: "anchor") }
        if let n = try top.take("allow") { allow = try n.list("allow").map(Self.rule) }
        if let n = try top.take("sources") {
            let sources = try Fields(n, path: "sources.")
            if let j = try sources.take("journal") {
                let journal = try Fields(j, path: "sources.journal.")
                if let n = try journal.take("enabled") { journalEnabled = try n.bool("sources.journal.enabled") }
                if let n = try journal.take("units") {
                    journalUnits = try n.list("sources.journal.units").map { node throws(ConfigError) in
                        let unit = try node.string("sources.journal.units")
                        guard Self.isUnitName(unit) else {
                            throw ConfigError(line: node.line, "sources.journal.units: \"\(unit)\" is not a systemd unit name like containerd.service")
                        }
                        return unit
                    }
                }
                if let n = try journal.take("look_back") { journalLookBack = try n.duration("sources.journal.look_back", max: .seconds(7 * 86400)) }
                if let n = try journal.take("directory") { journalDirectory = n.isNull ? nil : try n.absolutePath("sources.journal.directory") }
                try journal.finish()
            }
            if let n = try sources.take("files") {
                files = try n.list("sources.files").map { node throws(ConfigError) in try node.absolutePath("sources.files") }
            }
            try sources.finish()
        }
        if let n = try top.take("restart") {
            let restart = try Fields(n, path: "restart.")
            if let n = try restart.take("containerd") { restartContainerd = try n.choice(ContainerdRestart.self, key: "restart.containerd") }
            if let n = try restart.take("docker") { restartDocker = try n.choice(DockerRestart.self, key: "restart.docker") }
            if let n = try restart.take("min_interval") { restartMinInterval = try n.duration("restart.min_interval", max: .seconds(86400)) }
            if let n = try restart.take("timeout") { restartTimeout = try n.duration("restart.timeout", min: .seconds(1), max: .seconds(3600)) }
            try restart.finish()
        }
        if let n = try top.take("debounce") { debounce = try n.duration("debounce", max: .seconds(3600)) }
        if let n = try top.take("backoff") { backoff = try n.duration("backoff", max: .seconds(7 * 86400)) }
        if let n = try top.take("max_installs_per_hour") { maxInstallsPerHour = try n.integer("max_installs_per_hour", 0...1000) }
        if let n = try top.take("fetch") {
            let fetch = try Fields(n, path: "fetch.")
            if let n = try fetch.take("connect_timeout") { connectTimeout = try n.duration("fetch.connect_timeout", min: .seconds(1), max: .seconds(600)) }
            if let n = try fetch.take("handshake_timeout") { handshakeTimeout = try n.duration("fetch.handshake_timeout", min: .seconds(1), max: .seconds(600)) }
            if let n = try fetch.take("proxy") {
                let text = try n.string("fetch.proxy")
                switch text {
                case "engine": proxy = .engine
                case "none": proxy = .none
                default:
                    do { proxy = .url(try ProxyURL(parsing: text)) } catch {
                        throw ConfigError(line: n.line, "fetch.proxy: \(error); or say engine or none")
                    }
                }
            }
            if let n = try fetch.take("unlisted_hosts") { fetchUnlisted = try n.bool("fetch.unlisted_hosts") }
            try fetch.finish()
        }
        if let n = try top.take("update_tool_timeout") { updateToolTimeout = try n.duration("update_tool_timeout", min: .seconds(1), max: .seconds(3600)) }
        if let n = try top.take("state_directory") { stateDirectory = try n.absolutePath("state_directory") }
        if let n = try top.take("metrics") {
            let metrics = try Fields(n, path: "metrics.")
            if let n = try metrics.take("textfile_directory") {
                // Empty (or no value at all): no metrics file.
                let empty = n.isNull || (try? n.string("metrics.textfile_directory")) == ""
                metricsTextfileDirectory = empty ? "" : try n.absolutePath("metrics.textfile_directory")
            }
            try metrics.finish()
        }
        try top.finish()

        if trustAny && !allow.isEmpty {
            throw ConfigError(line: 0, "trust_any: true and allow rules together are ambiguous: remove one")
        }
        for rule in allow where !rule.registries.isEmpty && (rule.route ?? route) == .system {
            throw ConfigError(
                line: rule.line,
                "allow[].registries names certs.d directories, which the system route never writes: remove it, or give the rule "
                    + "route: registry or auto")
        }
    }

    static func rule(_ node: YAMLNode) throws(ConfigError) -> AllowRule {
        let fields = try Fields(node, path: "allow[].")
        guard let hostNode = try fields.take("host") else {
            throw ConfigError(line: node.line, "an allow rule needs a host (for example host: \"registry.corp.example\")")
        }
        let host: HostPattern
        do { host = try HostPattern(try hostNode.string("allow[].host")) } catch { throw ConfigError(line: hostNode.line, error.message) }
        var rule = AllowRule(host: host, line: node.line)
        if let n = try fields.take("port"), !n.isNull { rule.port = UInt16(try n.integer("allow[].port", 1...65535)) }
        if let n = try fields.take("sha256") {
            let items: [YAMLNode]
            if case .scalar = n.value { items = [n] } else { items = try n.list("allow[].sha256") }
            for item in items {
                let hex = try item.string("allow[].sha256").lowercased().filter { $0 != ":" }
                guard hex.count == 64, hex.allSatisfy(\.isHexDigit) else {
                    throw ConfigError(line: item.line, "allow[].sha256: a pin is 64 hex digits (colons allowed), as `openssl x509 -noout -fingerprint -sha256` prints")
                }
                rule.sha256.insert(hex)
            }
        }
        if let n = try fields.take("anchor") { rule.anchor = try n.choice(AnchorChoice.self, key: "allow[].anchor") }
        if let n = try fields.take("route") { rule.route = try n.choice(TrustRoute.self, key: "allow[].route") }
        if let n = try fields.take("registries") {
            let items: [YAMLNode]
            if case .scalar = n.value { items = [n] } else { items = try n.list("allow[].registries") }
            for item in items {
                let registry = try Self.registry(item)
                if !rule.registries.contains(registry) { rule.registries.append(registry) }
            }
        }
        try fields.finish()
        return rule
    }

    /// One `allow[].registries` entry: an exact registry name as image references write it, `host` or
    /// `host:port`, validated as the `certs.d` directory name it becomes; Docker Hub's API hosts are
    /// `docker.io`, as the engines key it.
    static func registry(_ node: YAMLNode) throws(ConfigError) -> RegistryHost {
        let text = try node.string("allow[].registries")
        let shape = "list each registry exactly as image references name it: host or host:port, as in \"registry.corp.example:5000\""
        guard !text.contains("*") else {
            throw ConfigError(line: node.line, "allow[].registries: \"\(text)\" is a glob; registries are exact names: \(shape)")
        }
        do {
            let registry = try RegistryHost(parsing: text)
            if registry.port == nil, RegistryHost.dockerHubHosts.contains(registry.host) { return try RegistryHost(host: "docker.io") }
            return registry
        } catch {
            throw ConfigError(line: node.line, "allow[].registries: \"\(text)\" is not a registry name (\(error)): \(shape)")
        }
    }

    static func isUnitName(_ text: String) -> Bool {
        guard text.utf8.count <= 255, let dot = text.lastIndex(of: "."), dot != text.startIndex else { return false }
        let suffix = text[text.index(after: dot)...]
        guard ["service", "socket", "scope", "slice", "target"].contains(suffix) else { return false }
        return text.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 58 || c == 45 || c == 95 || c == 46 || c == 64 || c == 92
        }
    }
}
