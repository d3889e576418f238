/// The daemon's state directory (ledger, cursor, owed restarts), made when it is missing.
///
/// systemd ≥ 235 makes it from the unit's `StateDirectory=` with mode 0700; older ones (Ubuntu 18.04's
/// 237 has it, CentOS 7's 219 does not) ignore that line, and a `state_directory` of the configuration
/// is never made by systemd. A directory that exists is left as it is: its mode is the operator's.
public enum StateDirectory {
    /// Makes `path` with mode 0700 and its missing parents with 0755. Throws `.createDirectory` with
    /// the errno when one cannot be made (a read-only file system, a parent that is a file).
    /// Temporaries a killed writer left there are swept here, once per start, not at every save (the
    /// state is saved up to once a second).
    public static func prepare(_ path: String) throws(TrustStoreError) {
        guard !Syscalls.isDirectory(path) else { return AtomicFile.sweepTemporaries(in: path) }
        let parent = AtomicFile.parent(of: path)
        if parent != "/" && parent != "." { try AtomicFile.makeDirectories(parent) }
        if case .failure(let e) = Syscalls.mkdir(path, 0o700) { throw TrustStoreError(.createDirectory, path: path, errno: e) }
    }
}
