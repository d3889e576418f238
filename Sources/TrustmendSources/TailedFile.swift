import TrustmendPlatform
import Glibc
import TrustmendCore

/// One followed file: its open descriptor, identity, and the bytes of a line not yet ended.
final class TailedFile {
    let path: String
    private var fd: Int32 = -1
    private var device: UInt64 = 0
    private var inode: UInt64 = 0
    private var offset: UInt64 = 0
    private var partial: [UInt8] = []
    private var dropping = false
    private var saved: FilePosition?
    private var refused: (UInt64, UInt64)?
    private var seenBefore = false

    init(path: String, saved: FilePosition?) {
        self.path = path
        self.saved = saved
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    func poll(into records: inout [LogRecord], maxLine: Int, warn: (String) -> Void) {
        var st = stat()
        let exists = fstatat(AT_FDCWD, path, &st, 0) == 0
        guard exists else {
            // Renamed away and not recreated yet: the writer may still be writing to the old file.
            read(into: &records, maxLine: maxLine)
            seenBefore = true
            return
        }
        if fd >= 0, UInt64(st.st_dev) != device || UInt64(st.st_ino) != inode {
            // Rotated by rename: finish the old file, then move on to the new one.
            read(into: &records, maxLine: maxLine)
            close()
            partial = []
            seenBefore = true
        }
        if fd < 0 { open(warn: warn) }
        guard fd >= 0 else { return }
        var now = stat()
        if fstat(fd, &now) == 0, UInt64(now.st_size) < offset {
            // Copy-truncate: the file started over.
            offset = 0
            partial = []
            _ = lseek(fd, 0, SEEK_SET)
        }
        read(into: &records, maxLine: maxLine)
    }

    private func open(warn: (String) -> Void) {
        let candidate = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard candidate >= 0 else { return }
        var st = stat()
        guard fstat(candidate, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            Glibc.close(candidate)
            return
        }
        let identity = (UInt64(st.st_dev), UInt64(st.st_ino))
        guard st.st_uid == 0, st.st_mode & 0o022 == 0 else {
            if refused == nil || refused! != identity {
                warn("refusing to read \(path): it must be owned by root and not writable by group or others "
                    + "(owner uid \(st.st_uid), mode \(String(st.st_mode & 0o7777, radix: 8)))")
                refused = identity
            }
            Glibc.close(candidate)
            return
        }
        refused = nil
        fd = candidate
        (device, inode) = identity
        if let saved, saved.device == device, saved.inode == inode, saved.offset <= UInt64(st.st_size) {
            offset = saved.offset
        } else if seenBefore || saved != nil {
            // A file that appeared (or was replaced) while we watched: all of it is new.
            offset = 0
        } else {
            // First sight: only lines written from now on.
            offset = UInt64(st.st_size)
        }
        self.saved = nil
        _ = lseek(fd, off_t(offset), SEEK_SET)
    }

    private func read(into records: inout [LogRecord], maxLine: Int) {
        guard fd >= 0 else { return }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while records.count < 4096 {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return }
            var start = 0
            for i in 0..<n where chunk[i] == 10 {
                if !dropping { partial += chunk[start..<i] }
                offset += UInt64(i - start + 1)
                let line = String(decoding: partial, as: UTF8.self)
                records.append(LogRecord(
                    message: line, origin: .file(path: path),
                    position: FilePosition(device: device, inode: inode, offset: offset).encoded))
                partial = []
                dropping = false
                start = i + 1
            }
            if start < n {
                if !dropping { partial += chunk[start..<n] }
                offset += UInt64(n - start)
                if partial.count > maxLine {
                    // An endless line: keep its start, drop the rest up to the newline.
                    partial.removeLast(partial.count - maxLine)
                    dropping = true
                }
            }
        }
    }
}
