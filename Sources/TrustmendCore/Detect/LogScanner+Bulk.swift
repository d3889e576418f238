import Glibc

extension LogScanner {
    /// Scans a buffer of whole lines (it must end at a line end, or be the input's last bytes) and calls
    /// `emit` for each detection, with line numbers counted from `firstLine`. Returns the number of lines
    /// in the buffer.
    ///
    /// Only lines containing the needle are parsed: the needle is found with `find` and the newlines
    /// are counted eight bytes at a time, so most of the input is touched once, at memory speed.
    public func scan(buffer: UnsafeRawBufferPointer, firstLine: Int, emit: (Detection) -> Void) -> Int {
        guard let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), buffer.count > 0 else { return 0 }
        let count = buffer.count
        let needle = Self.needleBytes
        var line = firstLine
        var counted = 0  // newlines counted up to here
        var searchFrom = 0
        while searchFrom < count {
            guard let position = Self.find(needle, in: base, from: searchFrom, count: count) else { break }
            // The line around the hit.
            let start = Self.lineStart(base, before: position)
            let end = memchr(base + position, 10, count - position).map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? count
            line += Self.countNewlines(base + counted, start - counted)
            counted = start
            if let detection = parse(UnsafeBufferPointer(start: base + start, count: end - start), number: line) {
                emit(detection)
            }
            searchFrom = end + 1
        }
        let total = line - firstLine + Self.countNewlines(base + counted, count - counted)
        // A last line without a newline still counts as a line.
        return total + (base[count - 1] == 10 ? 0 : 1)
    }
}
