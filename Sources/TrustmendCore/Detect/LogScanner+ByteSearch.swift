import Glibc

/// The byte searches of the scanner's hot loops: what keeps a scan at memory speed (README, Benchmarks).
extension LogScanner {
    /// The first offset of `needle` at or after `from`. Sixteen candidate positions at a time (SIMD
    /// compares): a position is checked only if both the needle's first and last bytes are where they
    /// belong. Sixteen lanes beat eight-byte SWAR by 20 % of a scan; thirty-two are slower again.
    static func find(_ needle: [UInt8], in base: UnsafePointer<UInt8>, from: Int, count: Int) -> Int? {
        let m = needle.count
        guard m >= 1, count - from >= m else { return nil }
        let raw = UnsafeRawPointer(base)
        var i = from
        if m >= 2 {
            let firsts = SIMD16<UInt8>(repeating: needle[0])
            let lasts = SIMD16<UInt8>(repeating: needle[m - 1])
            while i + m - 1 + 16 <= count {
                let a = raw.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self)
                let b = raw.loadUnaligned(fromByteOffset: i + m - 1, as: SIMD16<UInt8>.self)
                let hits = (a .== firsts) .& (b .== lasts)
                if any(hits) {
                    for k in 0..<16 where hits[k] {
                        if memcmp(base + i + k + 1, needle.withUnsafeBufferPointer { $0.baseAddress! + 1 }, m - 2) == 0 { return i + k }
                    }
                }
                i += 16
            }
        }
        while i + m <= count {
            if base[i] == needle[0] && memcmp(base + i, needle.withUnsafeBufferPointer { $0.baseAddress! }, m) == 0 { return i }
            i += 1
        }
        return nil
    }

    /// Where the line holding `position` starts: one past the last newline before it, eight bytes at a
    /// time backwards. Each byte of `x ^ 0x0a…` is tested exactly (`((x & 0x7f…) + 0x7f…) | x | 0x7f…`
    /// has a clear high bit only for a zero byte, no carry crossing bytes): the highest match is wanted.
    static func lineStart(_ base: UnsafePointer<UInt8>, before position: Int) -> Int {
        let raw = UnsafeRawPointer(base)
        let newlines: UInt64 = 0x0a0a_0a0a_0a0a_0a0a
        let low: UInt64 = 0x7f7f_7f7f_7f7f_7f7f
        var end = position  // bytes before `end` are still to look at
        while end >= 8 {
            let x = raw.loadUnaligned(fromByteOffset: end - 8, as: UInt64.self) ^ newlines
            let hits = ~(((x & low) &+ low) | x | low)
            if hits != 0 { return end - 8 + (63 - hits.leadingZeroBitCount) / 8 + 1 }
            end -= 8
        }
        while end > 0 && base[end - 1] != 10 { end -= 1 }
        return end
    }

    /// Newlines in `length` bytes, sixteen at a time: each block's matches are added in byte lanes (a
    /// lane holds up to 255), and the lanes summed every 255 blocks.
    static func countNewlines(_ pointer: UnsafePointer<UInt8>, _ length: Int) -> Int {
        var n = 0
        var i = 0
        let raw = UnsafeRawPointer(pointer)
        let newlines = SIMD16<UInt8>(repeating: 10)
        while i + 16 <= length {
            var lanes = SIMD16<UInt8>()
            var blocks = 0
            while blocks < 255 && i + 16 <= length {
                lanes &+= SIMD16<UInt8>().replacing(with: 1, where: raw.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self) .== newlines)
                i += 16
                blocks += 1
            }
            n += Int(SIMD16<UInt16>(truncatingIfNeeded: lanes).wrappedSum())
        }
        while i < length {
            if pointer[i] == 10 { n += 1 }
            i += 1
        }
        return n
    }
}

extension RandomAccessCollection where Element == UInt8, Index == Int {
    /// Where `needle` first occurs, found with the scanner's SWAR search (`LogScanner.find`): the generic
    /// `firstRange(of:)` compares element by element through protocol witnesses, 100 times slower.
    func byteRange(of needle: [UInt8]) -> Range<Int>? {
        guard !needle.isEmpty else { return startIndex..<startIndex }
        let found: Int?? = withContiguousStorageIfAvailable { hay in
            hay.baseAddress.flatMap { LogScanner.find(needle, in: $0, from: 0, count: hay.count) }
        }
        guard let searched = found else { return firstRange(of: needle) }  // not contiguous: the slow way
        guard let offset = searched else { return nil }
        return (startIndex + offset)..<(startIndex + offset + needle.count)
    }
}
