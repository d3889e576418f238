import CProcessImage
import Foundation
import Testing

/// Pages of [start, end) resident in process `pid` ("self" for this one): bit 63 of each page's
/// /proc/PID/pagemap entry (readable by the process itself and by root).
func residentPages(pid: String = "self", _ start: UInt, _ end: UInt) throws -> Int {
    let pagemap = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/\(pid)/pagemap"))
    defer { try? pagemap.close() }
    let page = UInt(sysconf(Int32(_SC_PAGESIZE)))
    try pagemap.seek(toOffset: UInt64(start / page * 8))
    let entries = try #require(try pagemap.read(upToCount: Int((end - start + page - 1) / page) * 8))
    return stride(from: 0, to: entries.count, by: 8).filter { entries[$0 + 7] & 0x80 != 0 }.count
}

/// The daemon gives back its relocation tables after start (process_image.h). Checked on this test
/// process, a position-independent executable too: the kernel's own page tables (/proc/self/pagemap) say
/// what is resident, /proc/self/maps what the range is.
@Suite struct ProcessImageTests {
    /// The /proc/self/maps line of the mapping holding `address`.
    func mapping(of address: UInt) throws -> [Substring] {
        let maps = try String(contentsOfFile: "/proc/self/maps", encoding: .utf8)
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            let bounds = fields[0].split(separator: "-").compactMap { UInt($0, radix: 16) }
            if bounds.count == 2, bounds[0] <= address, address < bounds[1] { return fields }
        }
        return []
    }

    @Test func theRelocationTableIsGivenBackAndStaysMapped() throws {
        var start: UInt = 0
        var end: UInt = 0
        try #require(trustmend_relocation_table_pages(&start, &end) == 1, "a PIE has a relocation table of whole pages")
        // It is the executable's own, never written: the dynamic linker's input, not data it wrote (gold puts
        // it in the code's segment, lld in one of its own).
        let fields = try mapping(of: start)
        try #require(fields.count >= 6)
        #expect(fields[1].hasPrefix("r") && !fields[1].contains("w") && fields[1].hasSuffix("p"))
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        #expect(String(fields[5]) == executable)
        #expect(try mapping(of: end - 1) == fields, "the range does not run past the mapping")

        _ = UnsafePointer<UInt8>(bitPattern: start)!.pointee  // resident now, whatever the page cache did
        #expect(try residentPages(start, end) > 0)

        // PAGEOUT leaves a page that another process maps too, as a child forked by a test running alongside
        // does until it execs: asked again, it is given back.
        var left = Int.max
        for _ in 0..<5 where left > 0 {
            let released = trustmend_release_relocation_tables()
            #expect(released >= Int(end - start))
            left = try residentPages(start, end)
            if left > 0 { usleep(100_000) }
        }
        #expect(left == 0)

        // Still mapped: reading it faults the page back, with what it held.
        let first = UnsafePointer<UInt64>(bitPattern: start)!.pointee
        #expect(try residentPages(start, start + 1) == 1)
        let image = try #require(FileHandle(forReadingAtPath: executable))
        defer { try? image.close() }
        let offset = UInt64(UInt(fields[2], radix: 16)! + start - UInt(fields[0].split(separator: "-")[0], radix: 16)!)
        try image.seek(toOffset: offset)
        let onDisk = try #require(try image.read(upToCount: 8))
        #expect(onDisk.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } == first)
    }
}
