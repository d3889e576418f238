import ArgumentParser
import Glibc
import TrustmendStore

/// The CLI is not to be delegated (a sudo rule, a setuid copy): the node options choose what runs as
/// root and which files it reads and deletes. Under sudo, or with a real uid other than the effective
/// one, each of them is refused with exit 64, naming the option and why. Root running trustmend itself
/// (the unit, an operator's root shell, the test suite) takes them as before.
enum Delegation {
    /// Why this process counts as delegated, nil when it does not.
    static var delegatedBy: String? {
        if let user = ProcessEnvironment.value("SUDO_USER") { return "sudo (SUDO_USER=\(user))" }
        if let uid = ProcessEnvironment.value("SUDO_UID") { return "sudo (SUDO_UID=\(uid))" }
        if getuid() != geteuid() { return "setuid (real uid \(getuid()), effective uid \(geteuid()))" }
        return nil
    }

    /// Throws for the first option given while delegated.
    static func refuse(_ options: [(name: String, given: Bool)]) throws {
        guard let how = delegatedBy, let option = options.first(where: \.given) else { return }
        throw ValidationError(
            "\(option.name) is refused when trustmend runs under \(how): it chooses what runs as root or which files are read "
                + "and deleted, so it would hand root to whoever may run this command. trustmend is not to be delegated: "
                + "run it as root directly.")
    }
}
