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
            var start = position
            while start > 0 && base[start - 1] != 10 { start -= 1 }
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

    /// The first offset of `needle` at or after `from`. Eight candidate positions at a time: a position
    /// is checked only if both the needle's first and last bytes are where they belong (SWAR compare).
    static func find(_ needle: [UInt8], in base: UnsafePointer<UInt8>, from: Int, count: Int) -> Int? {
        let m = needle.count
        guard m >= 1, count - from >= m else { return nil }
        let raw = UnsafeRawPointer(base)
        let first = UInt64(needle[0]) &* 0x0101_0101_0101_0101
        let last = UInt64(needle[m - 1]) &* 0x0101_0101_0101_0101
        let low: UInt64 = 0x7f7f_7f7f_7f7f_7f7f
        var i = from
        while m >= 2, i + m - 1 + 8 <= count {
            let a = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ first
            let b = raw.loadUnaligned(fromByteOffset: i + m - 1, as: UInt64.self) ^ last
            // High bit set in each byte that is zero in both, i.e. where both bytes match.
            var hits = ~((((a & low) &+ low) | a | low) | (((b & low) &+ low) | b | low))
            while hits != 0 {
                let k = hits.trailingZeroBitCount / 8
                if memcmp(base + i + k + 1, needle.withUnsafeBufferPointer { $0.baseAddress! + 1 }, m - 2) == 0 { return i + k }
                hits &= hits &- 1
            }
            i += 8
        }
        while i + m <= count {
            if base[i] == needle[0] && memcmp(base + i, needle.withUnsafeBufferPointer { $0.baseAddress! }, m) == 0 { return i }
            i += 1
        }
        return nil
    }

    /// Newlines in `length` bytes, eight at a time: for each byte of `word ^ 0x0a…`, the high bit of
    /// `((x & 0x7f…) + 0x7f…) | x` is set exactly when the byte is non-zero (no carry crosses bytes).
    static func countNewlines(_ pointer: UnsafePointer<UInt8>, _ length: Int) -> Int {
        var n = 0
        var i = 0
        let raw = UnsafeRawPointer(pointer)
        let pattern: UInt64 = 0x0a0a_0a0a_0a0a_0a0a
        let low: UInt64 = 0x7f7f_7f7f_7f7f_7f7f
        let high: UInt64 = 0x8080_8080_8080_8080
        while i + 32 <= length {
            var nonzero = 0
            for k in stride(from: 0, to: 32, by: 8) {
                let x = raw.loadUnaligned(fromByteOffset: i + k, as: UInt64.self) ^ pattern
                nonzero += ((((x & low) &+ low) | x) & high).nonzeroBitCount
            }
            n += 32 - nonzero
            i += 32
        }
        while i < length {
            if pointer[i] == 10 { n += 1 }
            i += 1
        }
        return n
    }
}
